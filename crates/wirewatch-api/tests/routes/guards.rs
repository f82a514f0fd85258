//! Every route of the router declares, with its handler's guard, the
//! privilege of the table in `privileges.rs`: the rule refuses exactly the
//! profiles the table marks `F` (checked by the rule itself, no server), and
//! the router and the table list the same operations.

use crate::privileges::{EVERY_OPERATION, PROFILES};
use std::collections::BTreeMap;
use wirewatch_model::user::Roles;

/// Operations whose table row differs from their route's rule, because the
/// table's request meets another check first or later: what the row shows.
const REFUSED_ELSEWHERE: [(&str, &str); 2] = [
    // `{}` creates a format in the default (security) category: the NDR
    // module is checked on the body's categories, after the route's rule.
    ("POST /api/v1/detections/formats", "..FFFFF"),
    // The connector is looked up (404) before the key's privilege is checked:
    // a token may stand in for the key.
    ("POST /api/actions/connector/{id}/_webhook", "......."),
];

#[test]
fn every_route_declares_the_privilege_of_the_table() {
    let table: BTreeMap<String, String> = EVERY_OPERATION
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (format!("{} {}", f[0], f[1]), f[2].to_string())
        })
        .collect();
    let profiles: Vec<Roles> = PROFILES
        .iter()
        .map(|(_, roles)| serde_json::from_str(roles).unwrap())
        .collect();
    let mut routed = BTreeMap::new();
    let mut wrong = Vec::new();
    for op in wirewatch_api::operations() {
        let key = format!("{} {}", op.method, op.path);
        let pattern: String = profiles
            .iter()
            .map(|r| if op.privilege.allows(r) { '.' } else { 'F' })
            .collect();
        let elsewhere = REFUSED_ELSEWHERE.iter().find(|(k, _)| *k == key);
        match table.get(&key) {
            Some(want) if *want == pattern && elsewhere.is_none() => {}
            Some(want) if elsewhere.is_some_and(|(_, row)| row == want) => {}
            Some(want) => wrong.push(format!(
                "{key}: the route declares {} ({pattern}), the table says {want}",
                op.privilege.name
            )),
            None => wrong.push(format!("{key}: not in the table")),
        }
        assert!(routed.insert(key, ()).is_none(), "declared twice");
    }
    for key in table.keys().filter(|k| !routed.contains_key(*k)) {
        wrong.push(format!("{key}: in the table, not routed"));
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert_eq!(routed.len(), 289);
}
