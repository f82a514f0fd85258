//! Matcher tests: the seed's example rules and every participant object type.

use super::*;
use serde_json::json;

struct Ctx;

impl MatchContext for Ctx {
    fn is_external(&self, ip: IpAddr) -> bool {
        !is_private(ip)
    }
    fn in_locality(&self, id: u64, ip: IpAddr) -> bool {
        id == 7 && "203.0.113.0/24".parse::<IpNet>().unwrap().contains(&ip)
    }
    fn in_device_group(&self, group_id: u64, device_id: u64) -> bool {
        group_id == 3 && device_id == 42
    }
}

fn detection(kind: &str, properties: Value) -> Detection {
    serde_json::from_value(json!({
        "id": 1, "appliance_id": 0, "assignee": null, "categories": ["sec", "sec.command"],
        "create_time": 0, "description": "", "end_time": null, "is_user_created": false,
        "mitre_tactics": [], "mitre_techniques": [], "mod_time": 0,
        "participants": [
            {"id": 1, "object_type": "device", "object_id": 42, "role": "offender",
             "ipaddr": "10.1.2.3", "hostname": "Laptop-7.corp.example.", "usernames": ["alice"]},
            {"id": 2, "object_type": "ipaddr", "object_value": "203.0.113.9", "role": "victim",
             "external": true, "scanner_service": "Shodan"}
        ],
        "properties": properties, "recommended": false, "recommended_factors": [],
        "resolution": null, "risk_score": 50, "start_time": 0, "status": null,
        "ticket_id": null, "ticket_url": null, "title": "t", "type": kind,
        "update_time": 0, "url": null
    }))
    .unwrap()
}

fn rule(v: Value) -> CompiledRule {
    let mut base = json!({
        "id": 1, "author": "a", "create_time": 0, "description": null, "enabled": true,
        "expiration": null, "hide_past_detections": false, "detections_hidden": 0,
        "participants_hidden": 0, "properties": [], "offender": "Any", "victim": "Any"
    });
    for (k, val) in v.as_object().unwrap() {
        base[k] = val.clone();
    }
    CompiledRule::new(&serde_json::from_value(base).unwrap()).unwrap()
}

#[test]
fn seed_registered_domain_rule() {
    let r = rule(json!({"detection_type": "dns_tunnel", "properties": [
        {"operand": "example.com", "operator": "=", "property": "registered_domain_name"}]}));
    assert!(r.matches(
        &detection(
            "dns_tunnel",
            json!({"registered_domain_name": "example.com"})
        ),
        &Ctx
    ));
    assert!(!r.matches(
        &detection(
            "dns_tunnel",
            json!({"registered_domain_name": "example.org"})
        ),
        &Ctx
    ));
    assert!(!r.matches(
        &detection(
            "port_scan",
            json!({"registered_domain_name": "example.com"})
        ),
        &Ctx
    ));
}

#[test]
fn seed_regex_and_case_insensitive_operands() {
    let r = rule(json!({"detection_type": "dns_tunnel", "properties": [
        {"operand": {"value": ".*?example.com", "is_regex": true}, "operator": "=", "property": "registered_domain_name"}]}));
    assert!(r.matches(
        &detection(
            "dns_tunnel",
            json!({"registered_domain_name": "a.example.com"})
        ),
        &Ctx
    ));
    assert!(!r.matches(
        &detection(
            "dns_tunnel",
            json!({"registered_domain_name": "example.com.evil"})
        ),
        &Ctx
    ));
    let r = rule(json!({"detection_type": "hacking_tools", "properties": [
        {"operand": {"value": "archstrike", "case_sensitive": false}, "operator": "=", "property": "hacking_tool"}]}));
    assert!(r.matches(
        &detection("hacking_tools", json!({"hacking_tool": "ArchStrike"})),
        &Ctx
    ));
    assert!(!r.matches(
        &detection("hacking_tools", json!({"hacking_tool": "Kali"})),
        &Ctx
    ));
}

#[test]
fn list_properties_and_other_operators() {
    let d = detection(
        "sqli_attack",
        json!({"uris": ["http://example.com/test", "http://x/y"], "n": 5}),
    );
    let eq = rule(json!({"detection_type": "sqli_attack", "properties": [
        {"operand": "http://example.com/test", "operator": "=", "property": "uris"}]}));
    assert!(eq.matches(&d, &Ctx));
    let ne = rule(json!({"detection_type": "sqli_attack", "properties": [
        {"operand": "http://example.com/test", "operator": "!=", "property": "uris"}]}));
    assert!(!ne.matches(&d, &Ctx));
    let re = rule(json!({"detection_type": "sqli_attack", "properties": [
        {"operand": "x/y$", "operator": "~", "property": "uris"}]}));
    assert!(re.matches(&d, &Ctx));
    let nre = rule(json!({"detection_type": "sqli_attack", "properties": [
        {"operand": "nomatch", "operator": "!~", "property": "uris"}]}));
    assert!(nre.matches(&d, &Ctx));
    let inop = rule(json!({"detection_type": "sqli_attack", "properties": [
        {"operand": [4, 5, 6], "operator": "in", "property": "n"}]}));
    assert!(inop.matches(&d, &Ctx));
    let inop = rule(json!({"detection_type": "sqli_attack", "properties": [
        {"operand": [1, 2], "operator": "in", "property": "n"}]}));
    assert!(!inop.matches(&d, &Ctx));
}

#[test]
fn every_participant_object_type() {
    let d = detection("dns_tunnel", json!({}));
    let yes = [
        json!({"offender": {"object_type": "device", "object_id": 42}}),
        json!({"offender": {"object_type": "device_group", "object_id": 3}}),
        json!({"offender": {"object_type": "ipaddr", "object_value": ["192.168.0.0/16", "10.0.0.0/8"]}}),
        json!({"offender": {"object_type": "ipaddr", "object_value": "10.1.2.3"}}),
        json!({"offender": {"object_type": "locality_type", "object_locality": "internal"}}),
        json!({"victim": {"object_type": "locality_type", "object_locality": "external"}}),
        json!({"victim": {"object_type": "network_locality", "object_id": 7}}),
        json!({"offender": {"object_type": "hostname", "object_hostname": "laptop-7.corp.example"}}),
        json!({"victim": {"object_type": "scanner_service", "object_scanner": "Any"}}),
        json!({"victim": {"object_type": "scanner_service", "object_scanner": ["shodan"]}}),
        json!({"offender": {"object_type": "username", "object_username": "alice"}}),
    ];
    for mut r in yes {
        r["detection_type"] = json!("dns_tunnel");
        assert!(rule(r.clone()).matches(&d, &Ctx), "should match: {r}");
    }
    let no = [
        json!({"offender": {"object_type": "device", "object_id": 43}}),
        json!({"offender": {"object_type": "device_group", "object_id": 4}}),
        json!({"offender": {"object_type": "ipaddr", "object_value": "10.9.0.0/16"}}),
        json!({"offender": {"object_type": "locality_type", "object_locality": "external"}}),
        json!({"offender": {"object_type": "network_locality", "object_id": 7}}),
        json!({"victim": {"object_type": "hostname", "object_hostname": "laptop-7.corp.example"}}),
        json!({"offender": {"object_type": "scanner_service", "object_scanner": "Any"}}),
        json!({"offender": {"object_type": "username", "object_username": ["bob"]}}),
    ];
    for mut r in no {
        r["detection_type"] = json!("dns_tunnel");
        assert!(!rule(r.clone()).matches(&d, &Ctx), "should not match: {r}");
    }
}

#[test]
fn all_security_and_bad_rules() {
    let d = detection("dns_tunnel", json!({}));
    assert!(rule(json!({"detection_type": "all_security"})).matches(&d, &Ctx));
    assert!(!rule(json!({"detection_type": "all_performance"})).matches(&d, &Ctx));
    let bad: TuningRule = serde_json::from_value(json!({
        "id": 1, "author": "a", "create_time": 0, "description": null, "enabled": true,
        "expiration": null, "hide_past_detections": false, "detections_hidden": 0,
        "participants_hidden": 0, "detection_type": "x", "victim": "Any",
        "offender": {"object_type": "ipaddr", "object_value": "not-an-ip"},
        "properties": []
    }))
    .unwrap();
    let err = CompiledRule::new(&bad).err().unwrap();
    assert_eq!(err.field, "offender.object_value");
    assert_eq!(
        crate::Error::from(err).message,
        "offender.object_value: \"not-an-ip\" is not an IP address or CIDR block"
    );
}
