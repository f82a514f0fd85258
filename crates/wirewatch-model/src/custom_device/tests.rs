use super::*;
use serde_json::json;

fn crit(v: serde_json::Value) -> crate::error::Result<CompiledCriterion> {
    serde_json::from_value::<CriterionInput>(v)
        .unwrap()
        .compile("criteria[0]")
}

fn flow(c: &str, cp: u16, s: &str, sp: u16, vlan: Option<u16>) -> FlowView {
    FlowView {
        client: (c.parse().unwrap(), cp),
        server: (s.parse().unwrap(), sp),
        vlan,
    }
}

#[test]
fn addresses_blocks_and_ranges_parse() {
    assert_eq!(
        parse_range("10.1.2.0/24"),
        Some(AddrRange::V4(0x0a01_0200, 0x0a01_02ff))
    );
    assert_eq!(
        parse_range("10.1.2.3"),
        Some(AddrRange::V4(0x0a01_0203, 0x0a01_0203))
    );
    assert_eq!(
        parse_range("10.1.2.10 - 10.1.2.20"),
        Some(AddrRange::V4(0x0a01_020a, 0x0a01_0214))
    );
    assert!(parse_range("10.1.2.20-10.1.2.10").is_none());
    assert!(parse_range("10.1.2.1-::1").is_none());
    assert!(parse_range("fe80::/64").is_some());
    assert!(parse_range("bogus").is_none());
}

#[test]
fn bad_criteria_name_their_field() {
    let field = |v| crit(v).unwrap_err().field.unwrap_or_default();
    assert_eq!(field(json!({"ipaddr": "10.0.0.300"})), "criteria[0].ipaddr");
    assert_eq!(
        field(json!({"ipaddr_peer": "10.0.0.1"})),
        "criteria[0].ipaddr_peer"
    );
    assert_eq!(
        field(json!({"ipaddr": "10.0.0.1", "ipaddr_peer": "10.0.0.2"})),
        "criteria[0].ipaddr_peer"
    );
    assert_eq!(
        field(json!({"dst_port_min": 0})),
        "criteria[0].dst_port_min"
    );
    assert_eq!(
        field(json!({"src_port_max": 70000})),
        "criteria[0].src_port_max"
    );
    assert_eq!(
        field(json!({"dst_port_min": 90, "dst_port_max": 80})),
        "criteria[0].dst_port_min"
    );
    assert_eq!(field(json!({"vlan_max": 4096})), "criteria[0].vlan_max");
    assert_eq!(field(json!({})), "criteria[0]");
}

#[test]
fn directions_pick_the_end() {
    let any = crit(json!({"ipaddr": "10.0.0.0/24"})).unwrap();
    assert_eq!(
        any.ends(&flow("10.0.0.5", 5000, "8.8.8.8", 53, None)),
        (true, false)
    );
    assert_eq!(
        any.ends(&flow("8.8.8.8", 5000, "10.0.0.5", 53, None)),
        (false, true)
    );
    let src =
        crit(json!({"ipaddr": "10.0.0.0/24", "ipaddr_direction": "src", "ipaddr_peer": "8.8.8.8"}))
            .unwrap();
    assert_eq!(
        src.ends(&flow("10.0.0.5", 5000, "8.8.8.8", 53, None)),
        (true, false)
    );
    assert_eq!(
        src.ends(&flow("10.0.0.5", 5000, "8.8.4.4", 53, None)),
        (false, false)
    );
    assert_eq!(
        src.ends(&flow("8.8.8.8", 5000, "10.0.0.5", 53, None)),
        (false, false)
    );
    let web = crit(json!({"dst_port_min": 443, "dst_port_max": 443, "vlan_min": 5, "vlan_max": 5}))
        .unwrap();
    assert_eq!(
        web.ends(&flow("1.1.1.1", 5000, "2.2.2.2", 443, Some(5))),
        (false, true)
    );
    assert_eq!(
        web.ends(&flow("1.1.1.1", 5000, "2.2.2.2", 443, None)),
        (false, false)
    );
    assert_eq!(
        web.ends(&flow("1.1.1.1", 5000, "2.2.2.2", 80, Some(5))),
        (false, false)
    );
}

#[test]
fn the_matcher_finds_overlapping_ranges_and_the_rest() {
    let dev = |id: u64, cs: Vec<serde_json::Value>| CompiledDevice {
        device_id: id,
        extrahop_id: format!("cd{id}"),
        criteria: cs.into_iter().map(|c| crit(c).unwrap()).collect(),
    };
    let m = Matcher::new(
        vec![
            dev(1, vec![json!({"ipaddr": "10.0.0.0/8"})]),
            dev(
                2,
                vec![
                    json!({"ipaddr": "10.1.0.0/16"}),
                    json!({"ipaddr": "192.168.0.1-192.168.0.9"}),
                ],
            ),
            dev(3, vec![json!({"dst_port_min": 53, "dst_port_max": 53})]),
        ],
        1,
    );
    let mut a = m.attribute(&flow("10.1.2.3", 999, "192.168.0.5", 53, None));
    a.sort_by_key(|(d, e)| (*d, *e == End::Server));
    assert_eq!(
        a,
        vec![
            (0, End::Client),
            (1, End::Client),
            (1, End::Server),
            (2, End::Server)
        ]
    );
    assert!(m
        .attribute(&flow("11.0.0.1", 999, "192.168.0.10", 80, None))
        .is_empty());
    assert!(Matcher::default()
        .attribute(&flow("10.0.0.1", 1, "10.0.0.2", 2, None))
        .is_empty());
}

#[test]
fn string_booleans_are_accepted() {
    let b: NewCustomDevice =
        serde_json::from_value(json!({"name": "x", "disabled": "False"})).unwrap();
    assert_eq!(b.disabled, Some(false));
    let b: NewCustomDevice = serde_json::from_value(json!({"name": "x"})).unwrap();
    assert_eq!(b.disabled, None);
    assert!(
        serde_json::from_value::<NewCustomDevice>(json!({"name": "x", "disabled": "maybe"}))
            .is_err()
    );
}

#[test]
fn ids_from_names_have_no_spaces() {
    assert_eq!(
        extrahop_id_from_name(" Payment servers #2 "),
        "Payment_servers__2"
    );
}
