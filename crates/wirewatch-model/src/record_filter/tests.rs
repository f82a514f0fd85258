//! Record filter tests: every operator, pseudo-field and operand type.

use super::*;
use serde_json::json;

struct Ctx;

impl RecordContext for Ctx {
    fn device_ips(&self, device: &str) -> Option<Vec<IpAddr>> {
        (device == "00137fbe8cff0000").then(|| vec!["10.0.0.1".parse().unwrap()])
    }
    fn group_ips(&self, group: &str) -> Option<Vec<IpAddr>> {
        (group == "200").then(|| vec!["10.0.0.2".parse().unwrap()])
    }
    fn filter_ips(&self, _f: &DeviceFilter) -> crate::error::Result<Vec<IpAddr>> {
        Ok(vec!["10.0.0.1".parse().unwrap()])
    }
    fn locality_nets(&self, id: &str) -> Option<Vec<IpNet>> {
        (id == "123").then(|| vec!["10.0.0.0/8".parse().unwrap()])
    }
    fn custom_device(&self, device: &str) -> Option<String> {
        (device == "PAY" || device == "41").then(|| "PAY".to_string())
    }
}

fn rec() -> Map<String, Value> {
    json!({"clientAddr": "10.0.0.1", "serverAddr": "93.184.216.34", "clientPort": 51000, "serverPort": 443,
           "method": "SMB2_READ", "reqL2Bytes": 150, "host": "www.example.com", "answers": ["1.2.3.4", "5.6.7.8"], "secure": true})
    .as_object()
    .unwrap()
    .clone()
}

fn check(f: Value) -> bool {
    let f: RecordFilter = serde_json::from_value(f).unwrap();
    f.compile("filter", &Ctx).unwrap().matches(&rec())
}

/// The field and the problem of a filter that does not compile.
fn err(f: Value) -> (String, String) {
    let f: RecordFilter = serde_json::from_value(f).unwrap();
    let e = f.compile("filter", &Ctx).unwrap_err();
    assert_eq!(e.code, crate::Code::InvalidRequest);
    let field = e.field.expect("a field");
    let problem = e.message[field.len() + 2..].to_string();
    (field, problem)
}

#[test]
fn operators() {
    assert!(check(
        json!({"field": "serverPort", "operator": "=", "operand": 443})
    ));
    assert!(check(
        json!({"field": "serverPort", "operator": "=", "operand": "443"})
    ));
    assert!(check(
        json!({"field": "serverPort", "operator": "!=", "operand": 80})
    ));
    assert!(check(
        json!({"field": "reqL2Bytes", "operator": ">", "operand": "100"})
    ));
    assert!(!check(
        json!({"field": "reqL2Bytes", "operator": "<", "operand": 100})
    ));
    assert!(check(
        json!({"field": "reqL2Bytes", "operator": "<=", "operand": 150})
    ));
    assert!(check(
        json!({"field": "reqL2Bytes", "operator": ">=", "operand": 150})
    ));
    assert!(check(
        json!({"field": "host", "operator": "startswith", "operand": "www."})
    ));
    assert!(check(
        json!({"field": "host", "operator": "~", "operand": "example\\.com$"})
    ));
    assert!(check(
        json!({"field": "host", "operator": "!~", "operand": "evil"})
    ));
    assert!(check(json!({"field": "host", "operator": "exists"})));
    assert!(check(json!({"field": "uri", "operator": "not_exists"})));
    assert!(check(
        json!({"field": "method", "operator": "in", "operand": ["SMB2_WRITE", "SMB2_READ"]})
    ));
    assert!(check(
        json!({"field": "method", "operator": "not_in", "operand": ["SMB2_WRITE"]})
    ));
    assert!(check(
        json!({"field": "answers", "operator": "=", "operand": "5.6.7.8"})
    ));
    assert!(check(
        json!({"field": "secure", "operator": "=", "operand": {"type": "boolean", "value": "true"}})
    ));
}

#[test]
fn rules_and_pseudo_fields() {
    assert!(check(json!({"operator": "and", "rules": [
        {"field": "method", "operand": "SMB2_READ", "operator": "="},
        {"field": "reqL2Bytes", "operand": "100", "operator": ">"}]})));
    assert!(check(json!({"operator": "or", "rules": [
        {"field": "method", "operand": "nope", "operator": "="},
        {"operator": "not", "rules": [{"field": "serverPort", "operand": 80, "operator": "="}]}]})));
    assert!(check(
        json!({"field": ".ipaddr", "operator": "=", "operand": "93.184.216.0/24"})
    ));
    assert!(check(
        json!({"field": ".port", "operator": "=", "operand": 51000})
    ));
    assert!(check(
        json!({"field": ".any", "operator": "=", "operand": "www.example.com"})
    ));
    assert!(!check(
        json!({"field": ".ipaddr", "operator": "=", "operand": "192.168.0.0/16"})
    ));
}

#[test]
fn typed_operands() {
    assert!(check(
        json!({"field": "clientAddr", "operator": "=", "operand": {"type": "ipaddr4", "value": "10.0.0.0/24"}})
    ));
    assert!(check(
        json!({"field": "clientAddr", "operator": "!=", "operand": {"type": "ipaddr4", "value": "10.9.0.0/16"}})
    ));
    assert!(check(
        json!({"field": "client", "operator": "in", "operand": {"type": "device", "value": "00137fbe8cff0000"}})
    ));
    assert!(!check(
        json!({"field": "client", "operator": "in", "operand": {"type": "device_group", "value": "200"}})
    ));
    assert!(check(
        json!({"field": "client", "operator": "not_in", "operand": {"type": "device_group", "value": "200"}})
    ));
    assert!(check(
        json!({"field": "client", "operator": "in", "operand": {"type": "device_filter", "value": {"field": "vendor", "operand": "Cisco", "operator": "="}}})
    ));
    assert!(check(
        json!({"field": "clientAddr", "operator": "in", "operand": {"type": "network_locality", "value": "123"}})
    ));
    assert!(!check(
        json!({"field": "serverAddr", "operator": "in", "operand": {"type": "network_locality", "value": "123"}})
    ));
    assert!(check(
        json!({"field": "serverPort", "operator": "=", "operand": {"type": "number", "value": "443"}})
    ));
    assert!(check(
        json!({"field": "host", "operator": "=", "operand": {"type": "string", "value": "www.example.com"}})
    ));
}

#[test]
fn errors_name_the_part() {
    assert_eq!(
        err(json!({"field": "x", "operator": "like", "operand": 1})).0,
        "filter.operator"
    );
    assert_eq!(
        err(json!({"operator": "and", "rules": [{"field": "x", "operator": "="}]})).0,
        "filter.rules[0].operand"
    );
    assert_eq!(
        err(json!({"field": "x", "operator": "~", "operand": "("})).0,
        "filter.operand"
    );
    assert_eq!(
        err(json!({"field": "a", "operator": "=", "operand": {"type": "ipaddr4", "value": "::1"}}))
            .0,
        "filter.operand"
    );
    assert_eq!(err(json!({"field": "client", "operator": "in", "operand": {"type": "device", "value": "nope"}})).0, "filter.operand");
    assert_eq!(
        err(json!({"field": "a", "operator": "in", "operand": "x"})).0,
        "filter.operand"
    );
    assert_eq!(
        err(json!({"operator": "not", "rules": []})).0,
        "filter.rules"
    );
    assert_eq!(err(json!({"field": "a"})).0, "filter.operator");
}

#[test]
fn custom_devices_match_the_device_field_of_the_role() {
    let mut r = rec();
    r.insert("server".into(), json!({"type": "device", "value": ["PAY"]}));
    let test = |f: Value| {
        let f: RecordFilter = serde_json::from_value(f).unwrap();
        let c = f.compile("filter", &Ctx).unwrap();
        // Projected to the fields the filter reads, it matches as the whole record does.
        let only: Map<String, Value> = c
            .fields()
            .unwrap()
            .iter()
            .filter_map(|k| r.get(*k).map(|v| (k.to_string(), v.clone())))
            .collect();
        assert_eq!(c.matches(&only), c.matches(&r));
        c.matches(&r)
    };
    let dev = |v: &str| json!({"type": "device", "value": v});
    assert!(test(
        json!({"field": "server", "operator": "=", "operand": dev("PAY")})
    ));
    assert!(test(
        json!({"field": "server", "operator": "=", "operand": dev("41")})
    ));
    assert!(test(
        json!({"field": "server", "operator": "=", "operand": "PAY"})
    ));
    assert!(test(
        json!({"field": "server", "operator": "in", "operand": dev("PAY")})
    ));
    assert!(!test(
        json!({"field": "client", "operator": "=", "operand": dev("PAY")})
    ));
    assert!(!test(
        json!({"field": "server", "operator": "!=", "operand": dev("PAY")})
    ));
    assert!(test(
        json!({"field": "client", "operator": "not_in", "operand": dev("PAY")})
    ));
    assert_eq!(
        err(json!({"field": ".ipaddr", "operator": "=", "operand": dev("PAY")})).0,
        "filter.operand"
    );
    assert_eq!(
        err(json!({"field": "server", "operator": "~", "operand": dev("PAY")})).0,
        "filter.operand"
    );
}
