//! The parameters of `/packets/search` in every form real clients send
//! them (research digest §1), and the refusals, each naming its field.

use super::*;
use serde_json::json;
use wirewatch_model::user::Roles;

const NOW: i64 = 1_765_000_000_000;

fn caller(ndr: bool) -> Caller {
    let mut roles = Roles::default();
    if ndr {
        roles.ndr = Some(wirewatch_model::user::ModuleRole::Full);
    }
    Caller(wirewatch_store::AuthUser {
        id: 1,
        username: "analyst".into(),
        roles,
    })
}

fn body(v: serde_json::Value) -> PacketSearch {
    crate::extract::parse_json(v.to_string().as_bytes()).expect("the body parses")
}

fn ok(p: &PacketSearch) -> Plan {
    plan(p, &caller(false), PacketsRole::Full, NOW).expect("accepted")
}

fn refused(p: &PacketSearch, role: PacketsRole) -> (u16, Option<String>, String) {
    let e = plan(p, &caller(false), role, NOW).expect_err("refused").0;
    (e.code.status(), e.field, e.message)
}

#[test]
fn xsoar_sends_a_body_with_nulls_for_unset_arguments() {
    let p = body(json!({
        "output": "pcap", "limit_bytes": "10MB", "limit_search_duration": "5m",
        "from": "-10m", "until": null, "bpf": null, "ip1": null, "port1": null,
        "ip2": null, "port2": null, "always_return_body": false
    }));
    let plan = ok(&p);
    assert_eq!(plan.from_ms, NOW - 600_000);
    assert_eq!(plan.until_ms, NOW);
    assert_eq!(plan.query.limit_bytes, 10_000_000);
    assert!(plan.query.filter.is_none());
    assert!(!plan.always_return_body);
    assert_eq!(plan.output, Output::Packets(Format::Pcap));
}

#[test]
fn splunk_sends_epoch_milliseconds_and_integer_ports() {
    let p = body(json!({
        "output": "pcap", "from": 1_764_999_000_000i64, "until": 1_764_999_600_000i64,
        "bpf": "tcp", "ip1": "10.0.0.1", "ip2": "10.0.0.2", "port1": 51000, "port2": 443,
        "limit_bytes": "100MB", "limit_search_duration": "5m"
    }));
    let plan = ok(&p);
    assert_eq!(
        (plan.from_ms, plan.until_ms),
        (1_764_999_000_000, 1_764_999_600_000)
    );
    assert_eq!(plan.query.from_ns, 1_764_999_000_000_000_000);
    assert_eq!(plan.query.until_ns, 1_764_999_600_000_999_999);
    let f = plan.query.filter.expect("a filter");
    let m = |src: &str, dst: &str, sp: u16, dp: u16| {
        wirewatch_packets::meta::Meta::Ip(wirewatch_packets::meta::IpMeta {
            src: src.parse().unwrap(),
            dst: dst.parse().unwrap(),
            proto: 6,
            ports: Some((sp, dp)),
        })
    };
    assert!(f.matches(&m("10.0.0.2", "10.0.0.1", 443, 51000)));
    assert!(!f.matches(&m("10.0.0.2", "10.0.0.3", 443, 51000)));
    assert!(!f.matches(&m("10.0.0.2", "10.0.0.1", 443, 51001)));
    // The ip and port parameters are index keys too.
    assert!(f.required_keys().len() >= 5);
    // "-30m" and 0 as Splunk's relative form.
    let plan = ok(&body(json!({"from": "-30m", "until": 0})));
    assert_eq!((plan.from_ms, plan.until_ms), (NOW - 1_800_000, NOW));
}

#[test]
fn ibm_sends_a_query_string_of_bare_numbers_and_string_booleans() {
    let q = from_query("from=0&until=0&limit_search_duration=0&always_return_body=true&limit_bytes=1048576&output=pcap&bpf=&ip1=10.0.0.1&port1=80").unwrap();
    let plan = ok(&q);
    assert_eq!((plan.from_ms, plan.until_ms), (NOW, NOW));
    assert!(plan.always_return_body);
    assert_eq!(plan.query.limit_bytes, 1_048_576);
    assert!(plan.query.filter.is_some());
    let left = plan.query.deadline.unwrap() - Instant::now();
    assert!(
        left > Duration::from_secs(290) && left <= Duration::from_secs(300),
        "0 is the default 5 minutes"
    );
    // Bare milliseconds and the other forms of a duration.
    for (d, ms) in [
        ("1500", 1500),
        ("30s", 30_000),
        ("2m", 120_000),
        ("250ms", 250),
    ] {
        assert_eq!(
            duration_ms(&Some(NumberOrText::Text(d.into()))).unwrap(),
            ms,
            "{d}"
        );
    }
    assert_eq!(
        duration_ms(&Some(NumberOrText::Number(2000))).unwrap(),
        2000
    );
    let q = from_query("from=-1h&always_return_body=False&port1=443&until=1765000000000").unwrap();
    let plan = ok(&q);
    assert!(!plan.always_return_body);
    assert_eq!(plan.until_ms, 1_765_000_000_000);
}

#[test]
fn query_parameters_override_the_body() {
    let b = body(json!({"from": "-10m", "output": "pcapng", "ip1": "10.0.0.1"}));
    let merged = b.overridden_by(from_query("from=-1h&always_return_body=true").unwrap());
    let plan = ok(&merged);
    assert_eq!(plan.from_ms, NOW - 3_600_000);
    assert_eq!(plan.output, Output::Packets(Format::Pcapng));
    assert!(plan.always_return_body);
    assert!(plan.query.filter.is_some());
}

#[test]
fn defaults_without_optional_parameters() {
    let plan = ok(&body(json!({"from": "-5m"})));
    assert_eq!(plan.query.limit_bytes, DEFAULT_LIMIT_BYTES);
    assert_eq!(plan.output, Output::Packets(Format::Pcap));
    assert!(!plan.always_return_body);
    assert_eq!(
        ok(&body(json!({"from": "-5m", "limit_bytes": 0})))
            .query
            .limit_bytes,
        DEFAULT_LIMIT_BYTES
    );
    assert_eq!(
        ok(&body(json!({"from": "-5m", "limit_bytes": "1KiB"})))
            .query
            .limit_bytes,
        1024
    );
}

#[test]
fn bad_parameters_are_400s_naming_the_field() {
    let full = PacketsRole::Full;
    let cases = [
        (json!({}), "from"),
        (json!({"from": null}), "from"),
        (json!({"from": "soon"}), "from"),
        (json!({"from": "-10m", "until": "-1h"}), "until"),
        (json!({"from": "-10m", "ip1": "10.0.0"}), "ip1"),
        (json!({"from": "-10m", "ip2": "example.com"}), "ip2"),
        (json!({"from": "-10m", "port1": 70000}), "port1"),
        (json!({"from": "-10m", "port2": "http"}), "port2"),
        (
            json!({"from": "-10m", "limit_bytes": "10 parsecs"}),
            "limit_bytes",
        ),
        (
            json!({"from": "-10m", "limit_bytes": "11GB"}),
            "limit_bytes",
        ),
        (
            json!({"from": "-10m", "limit_search_duration": "-5m"}),
            "limit_search_duration",
        ),
        (
            json!({"from": "-10m", "limit_search_duration": "2h"}),
            "limit_search_duration",
        ),
        (
            json!({"from": "-10m", "limit_search_duration": "5 fortnights"}),
            "limit_search_duration",
        ),
        (
            json!({"from": "-10m", "always_return_body": "perhaps"}),
            "always_return_body",
        ),
        (json!({"from": "-10m", "output": "json"}), "output"),
        (json!({"from": "-10m", "bpf": "tcp and"}), "bpf"),
        (json!({"from": "-10m", "bpf": "tcp[13] &"}), "bpf"),
        (json!({"from": "-10m", "bpf": "vlan 5000"}), "bpf"),
        (
            json!({"from": "-10m", "include_secrets": true}),
            "include_secrets",
        ),
    ];
    for (b, field) in cases {
        let (status, got, msg) = refused(&body(b.clone()), full);
        assert_eq!((status, got.as_deref()), (400, Some(field)), "{b}: {msg}");
    }
    // Outside the subset, a build without libpcap says so.
    if !wirewatch_packets::libpcap::AVAILABLE {
        for f in ["vlan 10", "host example.com", "tcp[13] & 2 != 0"] {
            let (status, got, msg) = refused(&body(json!({"from": "-10m", "bpf": f})), full);
            assert_eq!((status, got.as_deref()), (400, Some("bpf")), "{f}: {msg}");
            assert!(msg.contains("no libpcap"), "{f}: {msg}");
        }
    }
    // Wrong JSON types are the body extractor's 400, naming the field.
    let e = crate::extract::parse_json::<PacketSearch>(br#"{"from": "-1m", "port1": -5}"#)
        .err()
        .unwrap()
        .0;
    assert_eq!(e.field.as_deref(), Some("port1"));
    let e =
        crate::extract::parse_json::<PacketSearch>(br#"{"from": "-1m", "always_return_body": 3}"#)
            .err()
            .unwrap()
            .0;
    assert_eq!(e.field.as_deref(), Some("always_return_body"));
    assert_eq!(
        from_query("from=-1m&limit_bytes=")
            .map(|p| limit_bytes(&p.limit_bytes).is_err())
            .ok(),
        Some(true)
    );
}

#[test]
fn session_keys_need_full_with_keys() {
    let b = |v| body(v);
    // Keys need full_with_keys (403); with it, keylog_txt and zip are
    // planned, include_secrets is 501 (not supported).
    for v in [
        json!({"from": "-10m", "output": "keylog_txt"}),
        json!({"from": "-10m", "output": "zip"}),
        json!({"from": "-10m", "output": "pcapng", "include_secrets": "true"}),
    ] {
        assert_eq!(refused(&b(v.clone()), PacketsRole::Full).0, 403, "{v}");
        assert_eq!(
            refused(&b(v.clone()), PacketsRole::SlicesOnly).0,
            403,
            "{v}"
        );
    }
    let ok = |v: serde_json::Value| {
        plan(&b(v), &caller(true), PacketsRole::FullWithKeys, NOW).map(|p| p.output)
    };
    assert_eq!(
        ok(json!({"from": "-10m", "output": "keylog_txt"})).ok(),
        Some(Output::Keylog)
    );
    assert_eq!(
        ok(json!({"from": "-10m", "output": "zip"})).ok(),
        Some(Output::Zip)
    );
    let (status, field, _) = refused(
        &b(json!({"from": "-10m", "output": "zip", "limit_bytes": "1GB"})),
        PacketsRole::FullWithKeys,
    );
    assert_eq!((status, field.as_deref()), (400, Some("limit_bytes")));
    let (status, _, msg) = refused(
        &b(json!({"from": "-10m", "output": "pcapng", "include_secrets": "true"})),
        PacketsRole::FullWithKeys,
    );
    assert_eq!(status, 501);
    assert!(msg.contains("output zip"), "{msg}");
}

#[test]
fn extract_needs_ndr_and_whole_packets_and_has_its_own_limits() {
    // The code-examples script: POST, Accept: application/json.
    let v = body(json!({"from": "-30m", "output": "extract", "ip1": "10.10.10.10"}));
    let e = plan(&v, &caller(false), PacketsRole::Full, NOW)
        .unwrap_err()
        .0;
    assert_eq!(e.code.status(), 403);
    assert!(e.message.contains("\"ndr\""), "{}", e.message);
    let e = plan(&v, &caller(true), PacketsRole::SlicesOnly, NOW)
        .unwrap_err()
        .0;
    assert_eq!(e.code.status(), 403);
    assert!(e.message.contains("slices_only"), "{}", e.message);
    for role in [PacketsRole::Full, PacketsRole::FullWithKeys] {
        let p = plan(&v, &caller(true), role, NOW).expect("accepted");
        assert_eq!(p.output, Output::Extract);
        assert_eq!(p.query.limit_bytes, EXTRACT_MAX_LIMIT_BYTES);
        assert!(!p.decrypt_files);
    }
    let with = |extra: serde_json::Value| {
        let mut o = json!({"from": "-30m", "output": "extract"});
        o.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        plan(&body(o), &caller(true), PacketsRole::Full, NOW)
    };
    let e = with(json!({"limit_bytes": "101MB"})).unwrap_err().0;
    assert_eq!(
        (e.code.status(), e.field.as_deref()),
        (400, Some("limit_bytes"))
    );
    assert!(with(json!({"limit_bytes": "100MB"})).is_ok());
    let e = with(json!({"limit_search_duration": "6m"})).unwrap_err().0;
    assert_eq!(
        (e.code.status(), e.field.as_deref()),
        (400, Some("limit_search_duration"))
    );
    assert!(
        with(json!({"decrypt_files": "true"}))
            .unwrap()
            .decrypt_files
    );
    // pcap keeps its larger limits.
    let p = body(json!({"from": "-30m", "limit_bytes": "1GB", "limit_search_duration": "30m"}));
    assert_eq!(ok(&p).query.limit_bytes, 1_000_000_000);
}

#[test]
fn the_filename_is_one_quoted_parameter_of_the_window() {
    assert_eq!(
        filename(
            1_671_138_749_000,
            1_671_139_649_000,
            Output::Packets(Format::Pcap)
        ),
        "wirewatch 2022-12-15 21.12.29 to 2022-12-15 21.27.29 UTC.pcap"
    );
    assert!(filename(0, 0, Output::Packets(Format::Pcapng)).ends_with(".pcapng"));
    assert!(filename(0, 0, Output::Extract).ends_with(" UTC.zip"));
}
