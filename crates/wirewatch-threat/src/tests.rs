//! Reading collections' files: the samples of `samples/threat`, bundles of
//! them, and files that are refused (with the name of what is wrong).

use super::*;
use wirewatch_model::threat::ObservableKind::{self, *};

fn sample(name: &str) -> Vec<u8> {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples/threat")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn values(p: &Parsed) -> Vec<(ObservableKind, &str)> {
    p.observables
        .iter()
        .map(|o| (o.kind, o.value.as_str()))
        .collect()
}

/// A .tar.gz of `(path, content)` members.
pub(crate) fn targz(members: &[(&str, &[u8])]) -> Vec<u8> {
    let gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    for (path, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, path, *data).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap()
}

#[test]
fn stix1_package_gives_addresses_blocks_names_and_urls() {
    let p = parse("wikimedia-stix1.xml", &sample("wikimedia-stix1.xml")).unwrap();
    assert_eq!(
        values(&p),
        vec![
            (Ipaddr, "208.80.152.2"),
            (Cidr, "192.0.2.0/24"),
            (Cidr, "2001:db8::/32"),
            (Hostname, "c2.evil.example"),
            (Hostname, "wikimedia.org"),
            (Uri, "www.wikipedia.org/"),
        ]
    );
    // The `Contains` URL and the e-mail address are no exact observables.
    assert_eq!(p.skipped, 2);
    assert_eq!(p.files, 1);
}

#[test]
fn stix2_bundle_gives_indicator_patterns_and_scos() {
    let p = parse("wikimedia-stix2.json", &sample("wikimedia-stix2.json")).unwrap();
    assert_eq!(
        values(&p),
        vec![
            (Ipaddr, "2001:db8::66"),
            (Ipaddr, "208.80.152.3"),
            (Hostname, "upload.wikimedia.org"),
            (Uri, "bits.wikimedia.org/skins-1.5/monobook/main.css"),
            (Uri, "www.wikipedia.org/"),
            (Pattern, "hostname LIKE %.ncsa.uiuc.edu"),
        ]
    );
    assert_eq!(p.skipped, 0);
}

#[test]
fn tar_gz_bundle_reads_every_stix_member() {
    let b = targz(&[
        ("coll/README.txt", b"not stix"),
        ("coll/a.stix", &sample("wikimedia-stix1.xml")),
        ("coll/b.xml", &sample("evil-stix1.xml")),
        ("coll/c.json", &sample("wikimedia-stix2.json")),
    ]);
    let p = parse("coll.tgz", &b).unwrap();
    assert_eq!(p.files, 3);
    assert_eq!(p.other_files, 1);
    assert_eq!(p.observables.len(), 6 + 2 + 5, "{:?}", values(&p));
}

#[test]
fn malformed_files_are_refused_naming_what() {
    let e = parse(
        "x.xml",
        b"<stix:STIX_Package xmlns:stix=\"s\"><a></b></stix:STIX_Package>",
    )
    .unwrap_err();
    assert_eq!(e.what, "x.xml");
    assert!(e.why.contains("malformed XML"), "{e}");
    let e = parse("x.xml", b"<html><body/></html>").unwrap_err();
    assert!(e.why.contains("not a STIX 1.x package"), "{e}");
    let e = parse("x.json", b"{\"type\": \"indicator\"}").unwrap_err();
    assert!(e.why.contains("not a STIX 2 bundle"), "{e}");
    let e = parse(
        "x.json",
        br#"{"type": "bundle", "objects": [{"type": "indicator", "pattern": "[url:value = 'http://x"}]}"#,
    )
    .unwrap_err();
    assert!(e.why.contains("objects[0].pattern"), "{e}");
    let e = parse("x.bin", b"\x00\x01binary").unwrap_err();
    assert!(e.why.contains("neither"), "{e}");
    let b = targz(&[("in/bad.xml", b"<STIX_Package><x>")]);
    let e = parse("c.tgz", &b).unwrap_err();
    assert_eq!(e.what, "c.tgz: in/bad.xml");
    let e = parse("c.tgz", &targz(&[("README", b"hello")])).unwrap_err();
    assert!(e.why.contains("no STIX file"), "{e}");
    let e = parse("c.tgz", &[0x1f, 0x8b, 8, 0, 0, 0]).unwrap_err();
    assert_eq!(e.what, "c.tgz");
}

#[test]
fn a_bundle_past_the_uncompressed_limit_is_refused() {
    // A member whose header says it inflates past the limit: refused before
    // any of it is read (a member that lies about its size is cut at the
    // limit by the reader).
    let mut h = tar::Header::new_gnu();
    h.set_path("big.xml").unwrap();
    h.set_size(MAX_UNCOMPRESSED + 1);
    h.set_mode(0o644);
    h.set_cksum();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, h.as_bytes()).unwrap();
    std::io::Write::write_all(&mut gz, &[b' '; 4096]).unwrap();
    let b = gz.finish().unwrap();
    let e = parse("bomb.tgz", &b).unwrap_err();
    assert_eq!(e.what, "bomb.tgz: big.xml");
    assert!(e.why.contains("uncompressed"), "{e}");
}

/// A STIX 2.1 bundle with `LIKE` and `MATCHES` indicators beside an exact one.
const PATTERNS_BUNDLE: &str = r#"{
  "type": "bundle",
  "id": "bundle--2a4f3a1e-6f43-4d5c-9d0e-3f5d1c2b7a10",
  "objects": [
    {"type": "indicator", "spec_version": "2.1",
     "id": "indicator--7d3c1f7e-0b1a-4a5e-8f44-1c9b6d1e2a01",
     "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
     "name": "DGA-looking subdomains", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
     "pattern": "[domain-name:value LIKE '%.dyn.evil.example'] OR [domain-name:value LIKE 'c_.bad.example']"},
    {"type": "indicator", "spec_version": "2.1",
     "id": "indicator--7d3c1f7e-0b1a-4a5e-8f44-1c9b6d1e2a02",
     "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
     "name": "Payload downloads", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
     "pattern": "[url:value MATCHES '^http://[^/]+/dl/payload[0-9]+\\\\.exe']"},
    {"type": "indicator", "spec_version": "2.1",
     "id": "indicator--7d3c1f7e-0b1a-4a5e-8f44-1c9b6d1e2a03",
     "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
     "name": "Scanner range", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
     "pattern": "[ipv4-addr:value LIKE '203.0.113.1__'] AND [domain-name:value = 'exact.example']"},
    {"type": "indicator", "spec_version": "2.1",
     "id": "indicator--7d3c1f7e-0b1a-4a5e-8f44-1c9b6d1e2a04",
     "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
     "name": "Unsupported", "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z",
     "pattern": "[url:value MATCHES '(?<=x)y'] OR [domain-name:value != 'good.example']"}
  ]
}"#;

#[test]
fn stix2_like_and_matches_are_matched_on_the_exact_sets_fields() {
    let p = parse("patterns.json", PATTERNS_BUNDLE.as_bytes()).unwrap();
    assert_eq!(
        values(&p),
        vec![
            (Hostname, "exact.example"),
            (Pattern, "hostname LIKE %.dyn.evil.example"),
            (Pattern, "hostname LIKE c_.bad.example"),
            (Pattern, "ipaddr LIKE 203.0.113.1__"),
            (Pattern, "uri MATCHES ^http://[^/]+/dl/payload[0-9]+\\.exe"),
        ]
    );
    assert_eq!(p.skipped, 2, "a look-behind (not linear) and !=");
    let mut m = Matcher::new(
        1,
        vec![Entry {
            id: 9,
            user_key: "pat".into(),
            name: "Patterns".into(),
        }],
    );
    m.add_all(0, &p.observables);
    let doc = |v: serde_json::Value| v.as_object().cloned().unwrap();
    let found = |kind: &str, v: serde_json::Value| -> Vec<(String, String, String)> {
        m.check_doc(kind, &doc(v))
            .into_iter()
            .map(|h| (h.observable, h.field, h.value))
            .collect()
    };
    assert_eq!(
        found(
            "~dns_request",
            serde_json::json!({"qname": "X7F3.Dyn.Evil.Example."})
        ),
        vec![(
            "hostname LIKE %.dyn.evil.example".into(),
            "qname".into(),
            "x7f3.dyn.evil.example".into()
        )]
    );
    assert!(found(
        "~dns_request",
        serde_json::json!({"qname": "dyn.evil.example"})
    )
    .is_empty());
    assert!(found(
        "~dns_request",
        serde_json::json!({"qname": "c22.bad.example"})
    )
    .is_empty());
    let tls = found("~ssl_open", serde_json::json!({"host": "c2.bad.example"}));
    assert_eq!(tls.len(), 1, "{tls:?}");
    let http = found(
        "~http",
        serde_json::json!({"host": "files.example:8080", "uri": "/dl/payload42.exe?id=1"}),
    );
    assert_eq!(
        http,
        vec![(
            "uri MATCHES ^http://[^/]+/dl/payload[0-9]+\\.exe".into(),
            "uri".into(),
            "http://files.example:8080/dl/payload42.exe?id=1".into()
        )]
    );
    assert!(found(
        "~http",
        serde_json::json!({"host": "files.example", "uri": "/dl/payload.exe"})
    )
    .is_empty());
    let flow = found(
        "~flow",
        serde_json::json!({"senderAddr": "10.0.0.1", "receiverAddr": "203.0.113.150"}),
    );
    assert_eq!(flow.len(), 1, "{flow:?}");
    assert_eq!(flow[0].1, "receiverAddr");
    assert!(found(
        "~flow",
        serde_json::json!({"senderAddr": "10.0.0.1", "receiverAddr": "203.0.113.15"})
    )
    .is_empty());
    // A DNS answer that is an address is an address field.
    let answers = found(
        "~dns_response",
        serde_json::json!({"qname": "exact.example", "answers": ["203.0.113.199"]}),
    );
    assert_eq!(
        answers.len(),
        2,
        "the exact name and the address: {answers:?}"
    );
}
