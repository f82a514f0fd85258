//! User groups (members inherit the group's privileges), identity
//! providers and SAML SP metadata, and the `/extrahop` system resources
//! that need no TLS listener (services, processes, detections access,
//! cluster, flow log secret, cloud resources). The certificate operations
//! run against a real HTTPS server in `crates/wirewatch/tests/api/sslcert.rs`.

use crate::common::*;
use serde_json::{json, Value};

fn audit_ops(s: &App) -> Vec<String> {
    s.get("/api/v1/auditlog?limit=1000")
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            e["body"]["operation"]
                .as_str()
                .unwrap_or_default()
                .to_string()
        })
        .collect()
}

fn members(s: &App, id: &str) -> Value {
    let r = s.get(&format!("/api/v1/usergroups/{id}/members"));
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["users"].clone()
}

#[test]
fn a_member_holds_the_groups_privileges_while_a_member_of_an_enabled_group() {
    let s = App::start();
    s.detection(det("port_scan", "10.0.0.1", "10.0.0.2"));
    let ann = s.user_key("ann", json!({"metrics": "full"}));
    let can_see = |key: &str| {
        s.call_with("GET", "/api/v1/detections", None, Some(key))
            .status
    };
    assert_eq!(can_see(&ann), 403);
    let r = s.post(
        "/api/v1/usergroups",
        json!({"name": "soc", "granted_roles": {"write": "limited", "ndr": "full"}}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(r.headers["location"], "/api/v1/usergroups/local.soc");
    let g = s.get("/api/v1/usergroups/local.soc").body;
    assert_eq!(
        (
            g["name"].as_str(),
            g["enabled"].as_bool(),
            g["is_remote"].as_bool()
        ),
        (Some("soc"), Some(true), Some(false))
    );
    assert_eq!(g["rights"], json!([]));
    // Assigned: the key gains NDR and write: limited at once.
    let r = s.patch(
        "/api/v1/usergroups/local.soc/members",
        json!({"ann": "member"}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(can_see(&ann), 200);
    let id = s.get("/api/v1/detections").body[0]["id"].as_u64().unwrap();
    let r = s.call_with(
        "PATCH",
        &format!("/api/v1/detections/{id}"),
        Some(json!({"assignee": "ann"})),
        Some(&ann),
    );
    assert_eq!(
        r.status, 204,
        "triage with the group's write: limited: {}",
        r.text
    );
    let u = s.get("/api/v1/users/ann").body;
    assert_eq!(u["granted_roles"], json!({"metrics": "full"}));
    assert_eq!(
        u["effective_roles"],
        json!({"write": "limited", "ndr": "full"})
    );
    // A disabled group gives nothing; enabled again, it does.
    let r = s.patch("/api/v1/usergroups/local.soc", json!({"enabled": false}));
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(can_see(&ann), 403);
    s.patch("/api/v1/usergroups/local.soc", json!({"enabled": true}));
    assert_eq!(can_see(&ann), 200);
    // Unassigned (null): the privilege is gone.
    let r = s.patch("/api/v1/usergroups/local.soc/members", json!({"ann": null}));
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(can_see(&ann), 403);
    // Back in, then the group deleted: gone again.
    s.patch(
        "/api/v1/usergroups/local.soc/members",
        json!({"ann": "member"}),
    );
    assert_eq!(can_see(&ann), 200);
    let r = s.call("DELETE", "/api/v1/usergroups/local.soc", None);
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(can_see(&ann), 403);
    assert_eq!(s.get("/api/v1/usergroups/local.soc").status, 404);
    let ops = audit_ops(&s);
    for op in [
        "create user group",
        "update user group members",
        "update user group",
        "delete user group",
    ] {
        assert!(ops.iter().any(|o| o == op), "{op} not audited: {ops:?}");
    }
}

#[test]
fn the_web_app_session_follows_group_membership_too() {
    let s = App::start();
    s.user_key("cat", json!({"metrics": "restricted"}));
    s.post(
        "/api/v1/usergroups",
        json!({"name": "admins", "granted_roles": {"system": "full"}}),
    );
    s.patch(
        "/api/v1/usergroups/local.admins/members",
        json!({"cat": "member"}),
    );
    let u = s.get("/api/v1/users/cat").body;
    assert_eq!(u["effective_roles"]["system"], "full", "{u}");
    let listed = s.get("/api/v1/users").body;
    let cat = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["username"] == "cat")
        .unwrap();
    assert_eq!(cat["effective_roles"]["system"], "full");
}

#[test]
fn members_are_assigned_unassigned_and_replaced_as_the_seed_says() {
    let s = App::start();
    for u in ["alice", "bob", "carol"] {
        s.user_key(u, json!({"metrics": "full"}));
    }
    s.post(
        "/api/v1/usergroups",
        json!({"name": "tier1", "enabled": true}),
    );
    let id = "local.tier1";
    s.patch(
        &format!("/api/v1/usergroups/{id}/members"),
        json!({"alice": "member", "bob": "member"}),
    );
    assert_eq!(members(&s, id), json!({"alice": "member", "bob": "member"}));
    s.patch(
        &format!("/api/v1/usergroups/{id}/members"),
        json!({"carol": "member", "bob": null}),
    );
    assert_eq!(
        members(&s, id),
        json!({"alice": "member", "carol": "member"})
    );
    let r = s.call(
        "PUT",
        &format!("/api/v1/usergroups/{id}/members"),
        Some(json!({"bob": "member"})),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(members(&s, id), json!({"bob": "member"}));
    // Bad input names the field; nothing changes.
    let r = s.patch(
        &format!("/api/v1/usergroups/{id}/members"),
        json!({"alice": "member", "zed": "member"}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["field"], "zed");
    let r = s.call(
        "PUT",
        &format!("/api/v1/usergroups/{id}/members"),
        Some(json!({"alice": null})),
    );
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("alice")),
        "{}",
        r.text
    );
    let r = s.patch(
        &format!("/api/v1/usergroups/{id}/members"),
        json!({"alice": "owner"}),
    );
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("alice")),
        "{}",
        r.text
    );
    assert_eq!(members(&s, id), json!({"bob": "member"}));
    // A deleted user leaves the group.
    s.call("DELETE", "/api/v1/users/bob", None);
    assert_eq!(members(&s, id), json!({}));
    // Names, duplicates, unknown groups, unknown fields.
    let r = s.post("/api/v1/usergroups", json!({"name": "tier1"}));
    assert_eq!(r.status, 409, "{}", r.text);
    let r = s.post("/api/v1/usergroups", json!({"name": "a b"}));
    assert_eq!((r.status, r.body["field"].as_str()), (400, Some("name")));
    let r = s.post(
        "/api/v1/usergroups",
        json!({"name": "x", "granted_roles": {"write": "full", "metrics": "full"}}),
    );
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("granted_roles"))
    );
    assert_eq!(s.get("/api/v1/usergroups/local.nope/members").status, 404);
    let r = s.patch(
        &format!("/api/v1/usergroups/{id}"),
        json!({"name": "renamed"}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    let list = s.get("/api/v1/usergroups").body;
    assert_eq!(list.as_array().unwrap().len(), 1);
}

#[test]
fn refresh_says_there_is_no_directory_and_associations_unshare_activity_maps() {
    let s = App::start();
    s.post("/api/v1/usergroups", json!({"name": "soc"}));
    let r = s.post("/api/v1/usergroups/refresh", json!({}));
    assert_eq!(r.status, 501, "{}", r.text);
    assert!(r.text.contains("LDAP"), "{}", r.text);
    let r = s.post("/api/v1/usergroups/local.soc/refresh", json!({}));
    assert_eq!(r.status, 501, "{}", r.text);
    assert_eq!(
        s.post("/api/v1/usergroups/local.none/refresh", json!({}))
            .status,
        404
    );
    // An activity map shared with the group, and with another.
    let r = s.post(
        "/api/v1/activitymaps",
        json!({"name": "m", "walks": [{"origins": [{"object_type": "device", "object_id": 1}],
               "steps": [{"relationships": [{"protocol": "any", "role": "any"}]}]}]}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let map = r.headers["location"].to_str().unwrap().to_string();
    let r = s.patch(
        &format!("{map}/sharing"),
        json!({"groups": {"local.soc": "viewer", "local.other": "editor"}}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    // A member of the group holds its grant on the map.
    let dan = s.user_key("dan", json!({"write": "full"}));
    assert_eq!(s.call_with("GET", &map, None, Some(&dan)).status, 404);
    s.patch(
        "/api/v1/usergroups/local.soc/members",
        json!({"dan": "member"}),
    );
    let r = s.call_with("GET", &map, None, Some(&dan));
    assert_eq!(r.status, 200, "{}", r.text);
    let listed = s
        .call_with("GET", "/api/v1/activitymaps", None, Some(&dan))
        .body;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    let r = s.call_with("PATCH", &map, Some(json!({"name": "n"})), Some(&dan));
    assert_eq!(r.status, 403, "a viewer: {}", r.text);
    let r = s.call("DELETE", "/api/v1/usergroups/local.soc/associations", None);
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(s.call_with("GET", &map, None, Some(&dan)).status, 404);
    let sharing = s.get(&format!("{map}/sharing")).body;
    assert_eq!(
        sharing["groups"],
        json!({"local.other": "editor"}),
        "{sharing}"
    );
    assert_eq!(
        s.call("DELETE", "/api/v1/usergroups/local.none/associations", None)
            .status,
        404
    );
}

/// A self-signed certificate, PEM.
fn cert_pem() -> String {
    rcgen::generate_simple_self_signed(vec!["idp.example.com".to_string()])
        .unwrap()
        .cert
        .pem()
}

fn idp_metadata(cert: &str) -> String {
    let b64: String = cert.lines().filter(|l| !l.starts_with("-----")).collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example.com/saml/metadata">
  <md:IDPSSODescriptor WantAuthnRequestsSigned="false" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>{b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.example.com/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#
    )
}

/// Serve `body` once over HTTP on 127.0.0.1; its URL.
fn serve_once(body: String) -> String {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/metadata.xml", l.local_addr().unwrap());
    std::thread::spawn(move || {
        if let Ok((mut c, _)) = l.accept() {
            let mut buf = [0u8; 4096];
            let _ = c.read(&mut buf);
            let _ = write!(
                c,
                "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[test]
fn identity_providers_are_checked_and_read_from_their_metadata() {
    let s = App::start();
    let cert = cert_pem();
    let r = s.post(
        "/api/v1/auth/identityproviders",
        json!({"name": "Okta", "type": "saml", "enabled": true, "auto_provision_users": false,
               "entity_id": "http://www.okta.com/exk1", "sso_url": "https://example.okta.com/sso/saml",
               "signing_certificate": cert}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let loc = r.headers["location"].to_str().unwrap().to_string();
    let got = s.get(&loc).body;
    assert_eq!(got["entity_id"], "http://www.okta.com/exk1");
    assert_eq!(got["type"], "saml");
    assert_eq!(got["signing_certificate"], cert);
    // From metadata XML: the fields are read from it.
    let r = s.post(
        "/api/v1/auth/identityproviders",
        json!({"name": "Keycloak", "type": "saml", "enabled": true, "auto_provision_users": true,
               "metadata_xml": idp_metadata(&cert)}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let kc = s.get(r.headers["location"].to_str().unwrap()).body;
    assert_eq!(kc["entity_id"], "https://idp.example.com/saml/metadata");
    assert_eq!(kc["sso_url"], "https://idp.example.com/sso");
    assert!(kc["signing_certificate"]
        .as_str()
        .unwrap()
        .starts_with("-----BEGIN CERTIFICATE-----"));
    // From a metadata URL, fetched once: by default only https, and never
    // from a loopback, private or link-local address, even by name.
    let url = serve_once(idp_metadata(&cert));
    let adfs = |url: &str| {
        json!({"name": "ADFS", "type": "saml", "enabled": false, "auto_provision_users": false,
               "metadata_url": url})
    };
    let refused = |body: Value, why: &str| {
        let r = s.post("/api/v1/auth/identityproviders", body);
        assert_eq!(r.status, 400, "{}", r.text);
        assert_eq!(r.body["field"], "metadata_url", "{}", r.text);
        assert!(r.text.contains(why), "{why}: {}", r.text);
    };
    refused(adfs(&url), "https");
    let allow = |http: bool, internal: bool| {
        let mut doc = s.get("/api/v1/runningconfig").body;
        doc["access"]["metadata_fetch"] =
            json!({"allow_http": http, "allow_internal_addresses": internal});
        let r = s.call("PUT", "/api/v1/runningconfig", Some(doc));
        assert_eq!(r.status, 204, "{}", r.text);
    };
    allow(true, false);
    refused(adfs(&url), "127.0.0.1 (a loopback address)");
    let by_name = url.replace("127.0.0.1", "localhost");
    refused(adfs(&by_name), "a loopback address");
    // https to a loopback address is refused at resolution too (nothing listens).
    refused(
        adfs(&url.replace("http://", "https://")),
        "a loopback address",
    );
    // Allowed by the running configuration: fetched.
    allow(true, true);
    let r = s.post(
        "/api/v1/auth/identityproviders",
        json!({"name": "ADFS", "type": "saml", "enabled": false, "auto_provision_users": false,
               "metadata_url": url}),
    );
    assert_eq!(r.status, 201, "{}", r.text);
    let adfs = s.get(r.headers["location"].to_str().unwrap()).body;
    assert_eq!(adfs["metadata_url"], url);
    assert_eq!(adfs["sso_url"], "https://idp.example.com/sso");
    assert_eq!(
        s.get("/api/v1/auth/identityproviders")
            .body
            .as_array()
            .unwrap()
            .len(),
        3
    );
    // Bad input names the field.
    let bad = |body: Value, field: &str| {
        let r = s.post("/api/v1/auth/identityproviders", body.clone());
        assert_eq!(r.status, 400, "{body}: {}", r.text);
        assert_eq!(r.body["field"], field, "{body}: {}", r.text);
    };
    let base = json!({"name": "X", "type": "saml", "enabled": true, "auto_provision_users": true,
                      "entity_id": "e", "sso_url": "https://x/sso", "signing_certificate": cert});
    let with = |k: &str, v: Value| {
        let mut b = base.clone();
        b[k] = v;
        b
    };
    bad(
        with(
            "signing_certificate",
            json!("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        ),
        "signing_certificate",
    );
    bad(
        with("signing_certificate", json!("not pem")),
        "signing_certificate",
    );
    bad(with("type", json!("oidc")), "type");
    bad(with("sso_url", json!("ftp://x")), "sso_url");
    bad(with("name", json!("")), "name");
    let mut no_sso = base.clone();
    no_sso.as_object_mut().unwrap().remove("sso_url");
    bad(no_sso, "sso_url");
    bad(
        json!({"name": "Y", "type": "saml", "enabled": true, "auto_provision_users": true,
               "metadata_xml": "<x/>"}),
        "metadata_xml",
    );
    let r = s.post(
        "/api/v1/auth/identityproviders",
        with("name", json!("Okta")),
    );
    assert_eq!(r.status, 409, "{}", r.text);
    // PATCH keeps what it does not name and checks what it does.
    let r = s.patch(&loc, json!({"enabled": false}));
    assert_eq!(r.status, 204, "{}", r.text);
    let got = s.get(&loc).body;
    assert_eq!(
        (got["enabled"].as_bool(), got["entity_id"].as_str()),
        (Some(false), Some("http://www.okta.com/exk1"))
    );
    let r = s.patch(&loc, json!({"signing_certificate": "junk"}));
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("signing_certificate"))
    );
    // Privileges: mappings by privilege, merged by PATCH, levels checked.
    let p = format!("{loc}/privileges");
    assert_eq!(
        s.get(&p).body,
        json!({"writelevel": null, "ndrlevel": null, "npmlevel": null,
        "packetslevel": null, "detectionsaccesslevel": null})
    );
    let r = s.patch(&p, json!({"writelevel": {"attribute": "groups", "values": {"write_full": ["leads"]}},
                               "detectionsaccesslevel": {"attribute": "groups", "values": {"full": ["soc"]}}}));
    assert_eq!(r.status, 204, "{}", r.text);
    let r = s.patch(
        &p,
        json!({"packetslevel": {"attribute": "pk", "values": {"slices_only": ["y"]}}}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let got = s.get(&p).body;
    assert_eq!(got["writelevel"]["values"]["write_full"], json!(["leads"]));
    assert_eq!(got["ndrlevel"]["values"]["full"], json!(["soc"]));
    assert_eq!(got["packetslevel"]["attribute"], "pk");
    let r = s.patch(
        &p,
        json!({"npmlevel": {"attribute": "g", "values": {"write_full": ["x"]}}}),
    );
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("npmlevel.values.write_full")),
        "{}",
        r.text
    );
    assert_eq!(
        s.get("/api/v1/auth/identityproviders/999/privileges")
            .status,
        404
    );
    // Delete.
    assert_eq!(s.call("DELETE", &loc, None).status, 204);
    assert_eq!(s.get(&loc).status, 404);
    let ops = audit_ops(&s);
    for op in [
        "create identity provider",
        "update identity provider",
        "update identity provider privileges",
        "delete identity provider",
    ] {
        assert!(ops.iter().any(|o| o == op), "{op} not audited");
    }
}

#[test]
fn the_sp_metadata_is_a_saml_entity_descriptor() {
    let s = App::start();
    let r = s.get("/api/v1/auth/samlsp");
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["entity_id"], format!("{PUBLIC_URL}/saml/metadata"));
    assert_eq!(r.body["acs_url"], format!("{PUBLIC_URL}/saml/acs"));
    assert!(r.body.get("xml").is_none());
    let r = s.get("/api/v1/auth/samlsp?xml=true");
    let xml = r.body["xml"].as_str().unwrap().to_string();
    // Parsed as XML: the root, its entityID, the SP descriptor's ACS.
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut root, mut entity, mut acs, mut protocol) = (None, None, None, None);
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) | Event::Empty(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                let attr = |k: &str| {
                    e.attributes()
                        .flatten()
                        .find(|a| a.key.as_ref() == k.as_bytes())
                        .map(|a| a.unescape_value().unwrap().into_owned())
                };
                match name.as_str() {
                    "md:EntityDescriptor" => {
                        root = attr("xmlns:md");
                        entity = attr("entityID");
                    }
                    "md:SPSSODescriptor" => protocol = attr("protocolSupportEnumeration"),
                    "md:AssertionConsumerService" => acs = attr("Location"),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(
        root.as_deref(),
        Some("urn:oasis:names:tc:SAML:2.0:metadata")
    );
    assert_eq!(entity, Some(format!("{PUBLIC_URL}/saml/metadata")));
    assert_eq!(acs, Some(format!("{PUBLIC_URL}/saml/acs")));
    assert_eq!(
        protocol.as_deref(),
        Some("urn:oasis:names:tc:SAML:2.0:protocol")
    );
    assert_eq!(s.get("/api/v1/auth/samlsp?xml=maybe").status, 400);
}

#[test]
fn services_turn_the_web_app_off_and_on_and_refuse_what_does_not_exist() {
    let s = App::start();
    let v = s.get("/api/v1/extrahop/services").body;
    for (k, on) in [
        ("admin", true),
        ("snmp", false),
        ("ssh", false),
        ("keyreceiver", false),
        ("api", true),
    ] {
        assert_eq!(v[k]["enabled"], on, "{k}: {v}");
    }
    let page = |s: &App| s.call_with("GET", "/app", None, None).status;
    assert_eq!(page(&s), 200);
    let r = s.patch(
        "/api/v1/extrahop/services",
        json!({"admin": {"enabled": false}}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    assert_eq!(page(&s), 404);
    assert_eq!(
        s.get("/api/v1/extrahop/services").body["admin"]["enabled"],
        false
    );
    // The API still answers.
    assert_eq!(s.get("/api/v1/extrahop").status, 200);
    s.patch(
        "/api/v1/extrahop/services",
        json!({"admin": {"enabled": true}}),
    );
    assert_eq!(page(&s), 200);
    let r = s.patch(
        "/api/v1/extrahop/services",
        json!({"ssh": {"enabled": true}}),
    );
    assert_eq!(r.status, 501, "{}", r.text);
    assert!(r.text.contains("SSH"), "{}", r.text);
    let r = s.patch(
        "/api/v1/extrahop/services",
        json!({"ssh": {"enabled": false}, "snmp": {"enabled": false}}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let r = s.patch(
        "/api/v1/extrahop/services",
        json!({"telnet": {"enabled": true}}),
    );
    assert_eq!((r.status, r.body["field"].as_str()), (400, Some("telnet")));
    let r = s.patch("/api/v1/extrahop/services", json!({"admin": {"on": true}}));
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("admin.enabled"))
    );
    let r = s.patch(
        "/api/v1/extrahop/services",
        json!({"api": {"enabled": false}}),
    );
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("api.enabled"))
    );
    assert!(audit_ops(&s).iter().any(|o| o == "update services"));
}

#[test]
fn the_other_system_resources_answer_as_a_single_software_node() {
    let s = App::start();
    // Processes from /proc (this test process stands in for the server).
    let r = s.get("/api/v1/extrahop/processes");
    assert_eq!(r.status, 200, "{}", r.text);
    let rows = r.body.as_array().unwrap();
    assert_eq!(rows[0]["process"], "wirewatch");
    assert!(rows[0]["cpu_time"].as_u64().is_some() && rows[0]["mem_virt"].as_u64().unwrap() > 0);
    // No ODS delivery in this process: nothing restarts.
    let r = s.post("/api/v1/extrahop/processes/exremote/restart", json!({}));
    assert_eq!(r.status, 501, "{}", r.text);
    // Detections access: on, and it stays on.
    assert_eq!(
        s.get("/api/v1/extrahop/detections/access").body,
        json!({"enabled": true})
    );
    let r = s.call(
        "PUT",
        "/api/v1/extrahop/detections/access",
        Some(json!({"enabled": false})),
    );
    assert_eq!((r.status, r.body["field"].as_str()), (400, Some("enabled")));
    let r = s.call(
        "PUT",
        "/api/v1/extrahop/detections/access",
        Some(json!({"enabled": true})),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    // Cluster: one node.
    assert_eq!(
        s.get("/api/v1/extrahop/cluster").body,
        json!({"ingest_enabled": true, "replication_policy": 1})
    );
    let r = s.patch("/api/v1/extrahop/cluster", json!({"replication_policy": 3}));
    assert_eq!(
        (r.status, r.body["field"].as_str()),
        (400, Some("replication_policy"))
    );
    let r = s.patch(
        "/api/v1/extrahop/cluster",
        json!({"ingest_enabled": true, "replication_policy": 1}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    // Flow log secret: none, then one, then a new one; never in the audit log.
    assert_eq!(s.get("/api/v1/extrahop/flowlogs/secret").status, 404);
    assert_eq!(
        s.post("/api/v1/extrahop/flowlogs/secret", json!({})).status,
        204
    );
    let first = s.get("/api/v1/extrahop/flowlogs/secret").body["secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(first.len(), 64);
    s.post("/api/v1/extrahop/flowlogs/secret", json!({}));
    let second = s.get("/api/v1/extrahop/flowlogs/secret").body["secret"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(first, second);
    let log = s.get("/api/v1/auditlog").text;
    assert!(
        log.contains("generate flow log secret") && !log.contains(&second) && !log.contains(&first)
    );
    // Cloud resources: recognised and refused with the reason.
    let rules = b"alert tcp any any -> any 80 (msg:\"x\"; sid:1;)\n";
    let r = s.send_raw(
        "POST",
        "/api/v1/extrahop/cloudresources",
        Some(rules),
        "application/octet-stream",
        Some(&format!("ExtraHop apikey={}", s.key)),
    );
    assert_eq!(r.status, 501, "{}", r.text);
    assert!(r.text.contains("Suricata"), "{}", r.text);
    let r = s.send_raw(
        "POST",
        "/api/v1/extrahop/cloudresources",
        Some(&[0x1f, 0x8b, 8, 0, 0]),
        "application/gzip",
        Some(&format!("ExtraHop apikey={}", s.key)),
    );
    assert_eq!(r.status, 501, "{}", r.text);
    assert!(r.text.contains("bundle"), "{}", r.text);
    // The certificate operations need the TLS listener, which this app has not.
    assert_eq!(s.post("/api/v1/extrahop/sslcert", json!({})).status, 501);
}
