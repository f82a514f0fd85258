//! Tests against real messages from Zeek's test traces `wikipedia.pcap` and
//! `ipv6-fragmented-dns.pcap`, whose expected answers, TTLs and flags are in
//! Zeek's baselines `opt.basic/dns.log` and `core.ipv6-frag/dns.log`; then
//! hand-built messages for each record type, compression, the limits and
//! malformed input; then fuzz-style checks that no input panics.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::*;

// UDP payloads extracted with
// `tshark -r FILE -Y frame.number==N -T fields -e udp.payload`.

/// wikipedia.pcap frame 20, 141.142.220.118:40526 → 141.142.2.2:53: query
/// for `upload.wikimedia.org` A, RD set.
const WIKI_QUERY: &str =
    "65f0010000010000000000000675706c6f61640977696b696d65646961036f72670000010001";
/// wikipedia.pcap frame 21: its response. Answers: CNAME
/// `upload.pmtpa.wikimedia.org`, A 208.80.152.3; authority: three NS;
/// additional: three A glue records. Every name after the question is
/// compressed, some through pointer chains.
const WIKI_RESPONSE: &str = concat!(
    "65f0818000010002000300030675706c6f61640977696b696d65646961036f72670000010001c00c000500010000007c",
    "000f0675706c6f616405706d747061c013c032000100010000086c0004d0509803c013000200010000c0480006036e73",
    "31c013c013000200010000c0480006036e7332c013c013000200010000c0480006036e7330c013c08100010001000008",
    "5d0004d0509882c05d000100010000085d0004d050988ec06f000100010000085d00045bc6ae04",
);
/// wikipedia.pcap frame 19: NXDOMAIN (AA set) for
/// `upload.wikimedia.org.ncsa.uiuc.edu` AAAA, with the zone's SOA in the
/// authority section.
const WIKI_NXDOMAIN: &str = concat!(
    "673c858300010000000100000675706c6f61640977696b696d65646961036f7267046e63736104756975630365647500",
    "001c0001c02100060001000003840023036e7330c021066e6574646576c021000063e300000e100000038400093a8000",
    "000384",
);
/// wikipedia.pcap frame 47: `meta.wikimedia.org` AAAA answered by a chain of
/// two CNAMEs, and a SOA in the authority section.
const WIKI_CNAME_CHAIN: &str = concat!(
    "42fb81800001000200010000046d6574610977696b696d65646961036f726700001c0001c00c00050001000002d30007",
    "0474657874c011c0300005000100000251000d047465787405706d747061c011c01100060001000027920027036e7330",
    "c0110a686f73746d6173746572c01177dde9080000a8c000001c200012750000000258",
);
/// ipv6-fragmented-dns.pcap frame 1: TXT query for
/// `txtpadding_323.n1.netalyzr.icsi.berkeley.edu` with an EDNS OPT record
/// (payload size 4096, DO bit).
const V6_TXT_QUERY: &str = concat!(
    "0f3f010000010000000000010e74787470616464696e675f333233026e31086e6574616c797a72046963736908626572",
    "6b656c65790365647500001000010000291000000080000000",
);
/// ipv6-fragmented-dns.pcap frame 2: its response. One TXT record of three
/// strings (33, 21 and 136 octets); NS `roland.icir.org` in authority; OPT
/// and roland's A in additional.
const V6_TXT_RESPONSE: &str = concat!(
    "0f3f850000010001000100020e74787470616464696e675f333233026e31086e6574616c797a72046963736908626572",
    "6b656c6579036564750000100001c00c001000010000000100c1215468697320545854207265636f72642073686f756c",
    "642062652069676e6f726564154173206974206973206a7573742070616464696e678858585858585858585858585858",
    "585858585858585858585858585858585858585858585858585858585858585858585858585858585858585858585858",
    "585858585858585858585858585858585858585858585858585858585858585858585858585858585858585858585858",
    "585858585858585858585858585858585858585858585858585858c01b0002000100000064001106726f6c616e640469",
    "636972036f7267000000291000000080000000c11700010001000000640004c096bb1f",
);

const REAL_MESSAGES: [&str; 6] = [
    WIKI_QUERY,
    WIKI_RESPONSE,
    WIKI_NXDOMAIN,
    WIKI_CNAME_CHAIN,
    V6_TXT_QUERY,
    V6_TXT_RESPONSE,
];

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Uncompressed wire form of a dotted name (`""` is the root).
fn wire_name(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.split('.').filter(|l| !l.is_empty()) {
        out.push(u8::try_from(label.len()).expect("label length"));
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

fn header(id: u16, flags: u16, counts: [u16; 4]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(&id.to_be_bytes());
    out.extend_from_slice(&flags.to_be_bytes());
    for c in counts {
        out.extend_from_slice(&c.to_be_bytes());
    }
    out
}

fn question(name: &[u8], qtype: u16, qclass: u16) -> Vec<u8> {
    let mut out = name.to_vec();
    out.extend_from_slice(&qtype.to_be_bytes());
    out.extend_from_slice(&qclass.to_be_bytes());
    out
}

fn rr(name: &[u8], rtype: u16, ttl: u32, rdata: &[u8]) -> Vec<u8> {
    let mut out = name.to_vec();
    out.extend_from_slice(&rtype.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes());
    out.extend_from_slice(&ttl.to_be_bytes());
    out.extend_from_slice(&u16::try_from(rdata.len()).expect("rdlength").to_be_bytes());
    out.extend_from_slice(rdata);
    out
}

/// A response with one question (`example.com` A at offset 12, so `c00c`
/// points at it) and the given answer records.
fn response_with(answers: &[Vec<u8>]) -> Vec<u8> {
    let count = u16::try_from(answers.len()).expect("count");
    let mut m = header(0x1234, 0x8180, [1, count, 0, 0]);
    m.extend(question(&wire_name("example.com"), 1, 1));
    for a in answers {
        m.extend_from_slice(a);
    }
    m
}

/// A query whose question name is `name_bytes` followed by `tail`.
fn query_with_name(name_bytes: &[u8], tail: &[u8]) -> Vec<u8> {
    let mut m = header(1, 0x0100, [1, 0, 0, 0]);
    m.extend(question(name_bytes, 1, 1));
    m.extend_from_slice(tail);
    m
}

fn texts(records: &[Record]) -> Vec<String> {
    records.iter().map(Record::answer_text).collect()
}

// ---- real messages ----------------------------------------------------

#[test]
fn wikipedia_query() {
    let m = parse(&unhex(WIKI_QUERY)).expect("parse");
    assert_eq!(m.id, 0x65f0);
    assert!(!m.is_response);
    assert_eq!(m.opcode, 0);
    assert!(m.recursion_desired);
    assert!(!m.authoritative && !m.truncated && !m.recursion_available);
    assert_eq!(
        m.questions,
        vec![Question {
            name: "upload.wikimedia.org".into(),
            qtype: 1,
            qclass: 1
        }]
    );
    assert!(m.answers.is_empty() && m.authorities.is_empty() && m.additionals.is_empty());
}

#[test]
fn wikipedia_response_matches_zeek_baseline() {
    let m = parse(&unhex(WIKI_RESPONSE)).expect("parse");
    // opt.basic/dns.log: trans_id 26096, rcode 0 NOERROR, AA F TC F RD T RA T,
    // answers upload.pmtpa.wikimedia.org,208.80.152.3, TTLs 124,2156.
    assert_eq!(m.id, 26096);
    assert!(m.is_response);
    assert_eq!((m.rcode, rcode_name(m.rcode)), (0, "NOERROR"));
    assert!(!m.authoritative && !m.truncated && m.recursion_desired && m.recursion_available);
    assert_eq!(
        texts(&m.answers).join(","),
        "upload.pmtpa.wikimedia.org,208.80.152.3"
    );
    assert_eq!(
        m.answers.iter().map(|r| r.ttl).collect::<Vec<_>>(),
        [124, 2156]
    );
    assert_eq!(
        m.answers,
        vec![
            Record {
                name: "upload.wikimedia.org".into(),
                rtype: 5,
                class: 1,
                ttl: 124,
                data: RData::Name("upload.pmtpa.wikimedia.org".into()),
            },
            Record {
                name: "upload.pmtpa.wikimedia.org".into(),
                rtype: 1,
                class: 1,
                ttl: 2156,
                data: RData::A(Ipv4Addr::new(208, 80, 152, 3)),
            },
        ]
    );
    assert!(m
        .authorities
        .iter()
        .all(|r| r.name == "wikimedia.org" && r.rtype == 2));
    assert_eq!(
        texts(&m.authorities),
        [
            "ns1.wikimedia.org",
            "ns2.wikimedia.org",
            "ns0.wikimedia.org"
        ]
    );
    let glue: Vec<_> = m
        .additionals
        .iter()
        .map(|r| (r.name.as_str(), r.answer_text()))
        .collect();
    assert_eq!(
        glue,
        [
            ("ns0.wikimedia.org", "208.80.152.130".to_string()),
            ("ns1.wikimedia.org", "208.80.152.142".to_string()),
            ("ns2.wikimedia.org", "91.198.174.4".to_string()),
        ]
    );
}

#[test]
fn wikipedia_nxdomain_with_soa() {
    let m = parse(&unhex(WIKI_NXDOMAIN)).expect("parse");
    assert_eq!(m.id, 26428);
    assert_eq!((m.rcode, rcode_name(m.rcode)), (3, "NXDOMAIN"));
    assert_eq!(zeek_rcode_name(m.rcode.into()), "NXDOMAIN");
    assert!(m.authoritative && m.recursion_desired && m.recursion_available);
    assert_eq!(m.questions[0].name, "upload.wikimedia.org.ncsa.uiuc.edu");
    assert_eq!(zeek_qtype_name(m.questions[0].qtype), "AAAA");
    assert!(m.answers.is_empty());
    assert_eq!(
        m.authorities,
        vec![Record {
            name: "ncsa.uiuc.edu".into(),
            rtype: 6,
            class: 1,
            ttl: 900,
            data: RData::Soa {
                mname: "ns0.ncsa.uiuc.edu".into(),
                rname: "netdev.ncsa.uiuc.edu".into(),
                serial: 25571,
                refresh: 3600,
                retry: 900,
                expire: 604_800,
                minimum: 900,
            },
        }]
    );
    assert_eq!(m.authorities[0].answer_text(), "ns0.ncsa.uiuc.edu");
}

#[test]
fn wikipedia_cname_chain_matches_zeek_baseline() {
    let m = parse(&unhex(WIKI_CNAME_CHAIN)).expect("parse");
    // opt.basic/dns.log: meta.wikimedia.org AAAA, answers
    // text.wikimedia.org,text.pmtpa.wikimedia.org, TTLs 723,593.
    assert_eq!(m.id, 17147);
    assert_eq!(
        texts(&m.answers).join(","),
        "text.wikimedia.org,text.pmtpa.wikimedia.org"
    );
    assert_eq!(
        m.answers.iter().map(|r| r.ttl).collect::<Vec<_>>(),
        [723, 593]
    );
    assert_eq!(m.answers[1].name, "text.wikimedia.org");
    match &m.authorities[0].data {
        RData::Soa { rname, serial, .. } => {
            assert_eq!(rname, "hostmaster.wikimedia.org");
            assert_eq!(*serial, 2_011_031_816);
        }
        other => panic!("expected SOA, got {other:?}"),
    }
}

#[test]
fn ipv6_txt_query_with_edns_opt() {
    let m = parse(&unhex(V6_TXT_QUERY)).expect("parse");
    assert_eq!(m.id, 3903);
    assert_eq!(
        m.questions[0].name,
        "txtpadding_323.n1.netalyzr.icsi.berkeley.edu"
    );
    assert_eq!(zeek_qtype_name(m.questions[0].qtype), "TXT");
    assert_eq!(zeek_qclass_name(m.questions[0].qclass), "C_INTERNET");
    // The OPT pseudo-record: root owner, CLASS = UDP payload size, TTL =
    // extended RCODE 0, version 0, DO bit.
    assert_eq!(
        m.additionals,
        vec![Record {
            name: String::new(),
            rtype: 41,
            class: 4096,
            ttl: 0x8000,
            data: RData::Other(Vec::new()),
        }]
    );
    assert_eq!(qtype_name(m.additionals[0].rtype), "OPT");
    assert_eq!(m.additionals[0].answer_text(), "");
}

#[test]
fn ipv6_txt_response_matches_zeek_baseline() {
    let m = parse(&unhex(V6_TXT_RESPONSE)).expect("parse");
    // core.ipv6-frag/dns.log, first line: trans_id 3903, NOERROR, AA T TC F
    // RD T RA F, TTL 1, and this answers text.
    assert_eq!(m.id, 3903);
    assert!(m.authoritative && !m.truncated && m.recursion_desired && !m.recursion_available);
    let expected = format!(
        "TXT 33 This TXT record should be ignored TXT 21 As it is just padding TXT 136 {}",
        "X".repeat(136)
    );
    assert_eq!(texts(&m.answers), [expected]);
    assert_eq!(m.answers[0].ttl, 1);
    match &m.answers[0].data {
        RData::Txt(strings) => {
            assert_eq!(
                strings.iter().map(Vec::len).collect::<Vec<_>>(),
                [33, 21, 136]
            );
        }
        other => panic!("expected TXT, got {other:?}"),
    }
    assert_eq!(m.authorities[0].name, "n1.netalyzr.icsi.berkeley.edu");
    assert_eq!(m.authorities[0].data, RData::Name("roland.icir.org".into()));
    assert_eq!(m.additionals.len(), 2);
    assert_eq!((m.additionals[0].rtype, m.additionals[0].class), (41, 4096));
    assert_eq!(m.additionals[1].name, "roland.icir.org");
    assert_eq!(
        m.additionals[1].data,
        RData::A(Ipv4Addr::new(192, 150, 187, 31))
    );
}

// ---- record types and text --------------------------------------------

#[test]
fn mx_srv_aaaa_ptr_records() {
    let mut mx = 10u16.to_be_bytes().to_vec();
    mx.extend_from_slice(&[4, b'M', b'a', b'i', b'l', 0xc0, 0x0c]); // Mail.<example.com>
    let mut srv = Vec::new();
    for v in [5u16, 20, 5060] {
        srv.extend_from_slice(&v.to_be_bytes());
    }
    srv.extend(wire_name("sip.example.com"));
    let v6: Ipv6Addr = "2001:db8::1".parse().expect("addr");
    let m = parse(&response_with(&[
        rr(&[0xc0, 0x0c], 15, 60, &mx),
        rr(&wire_name("_sip._udp.example.com"), 33, 60, &srv),
        rr(&[0xc0, 0x0c], 28, 60, &v6.octets()),
        rr(
            &wire_name("1.0.0.127.in-addr.arpa"),
            12,
            60,
            &wire_name("localhost"),
        ),
    ]))
    .expect("parse");
    assert_eq!(
        m.answers[0].data,
        RData::Mx {
            preference: 10,
            exchange: "Mail.example.com".into()
        }
    );
    assert_eq!(
        m.answers[1].data,
        RData::Srv {
            priority: 5,
            weight: 20,
            port: 5060,
            target: "sip.example.com".into()
        }
    );
    assert_eq!(m.answers[2].data, RData::Aaaa(v6));
    assert_eq!(m.answers[3].data, RData::Name("localhost".into()));
    // Zeek lowercases names in its answers.
    assert_eq!(
        texts(&m.answers),
        [
            "mail.example.com",
            "sip.example.com",
            "2001:db8::1",
            "localhost"
        ]
    );
}

#[test]
fn names_keep_wire_case_and_escape_unprintable_bytes() {
    // Labels: "ExAmPlE", "a\0b", "c\\d", "e.f", "\x7f\xff", " " (a space is printable).
    let name = [
        7, b'E', b'x', b'A', b'm', b'P', b'l', b'E', 3, b'a', 0, b'b', 3, b'c', b'\\', b'd', 3,
        b'e', b'.', b'f', 2, 0x7f, 0xff, 1, b' ', 0,
    ];
    let m = parse(&query_with_name(&name, &[])).expect("parse");
    assert_eq!(m.questions[0].name, r"ExAmPlE.a\x00b.c\x5cd.e.f.\x7f\xff. ");
}

#[test]
fn root_name_is_empty() {
    let m = parse(&query_with_name(&[0], &[])).expect("parse");
    assert_eq!(m.questions[0].name, "");
}

#[test]
fn txt_text_escapes_like_zeek() {
    let txt = [5, 0x00, b'\\', b'a', 0xff, b' ', 0];
    let m = parse(&response_with(&[rr(&[0xc0, 0x0c], 16, 0, &txt)])).expect("parse");
    assert_eq!(
        m.answers[0].data,
        RData::Txt(vec![vec![0x00, b'\\', b'a', 0xff, b' '], vec![]])
    );
    assert_eq!(m.answers[0].answer_text(), r"TXT 5 \x00\x5ca\xff  TXT 0 ");
}

#[test]
fn other_types_answer_text_follows_zeek() {
    let record = |rtype: u16, name: &str, rdata: Vec<u8>| Record {
        name: name.into(),
        rtype,
        class: 1,
        ttl: 0,
        data: RData::Other(rdata),
    };
    // DS: key tag, algorithm 8, digest type 2, digest.
    assert_eq!(
        record(43, "x", vec![0x12, 0x34, 8, 2, 0xaa]).answer_text(),
        "DS 8 2"
    );
    // DNSKEY: flags, protocol 3, algorithm 13, key.
    assert_eq!(
        record(48, "x", vec![1, 1, 3, 13, 0xaa]).answer_text(),
        "DNSKEY 13"
    );
    // RRSIG over type 1 (A), signed by the root, then by "Example.com".
    let mut rrsig = vec![0, 1];
    rrsig.extend_from_slice(&[0; 16]);
    let mut root = rrsig.clone();
    root.push(0);
    assert_eq!(record(46, "x", root).answer_text(), "RRSIG 1 <Root>");
    rrsig.extend(wire_name("Example.com"));
    rrsig.extend_from_slice(&[0xde, 0xad]);
    assert_eq!(record(46, "x", rrsig).answer_text(), "RRSIG 1 example.com");
    // NSEC: next owner name, then the type bitmaps.
    let mut nsec = wire_name("B.example.com");
    nsec.extend_from_slice(&[0, 1, 0x40]);
    assert_eq!(
        record(47, "A.example.com", nsec).answer_text(),
        "NSEC a.example.com b.example.com"
    );
    assert_eq!(record(50, "x", vec![1]).answer_text(), "NSEC3");
    assert_eq!(record(51, "x", vec![1]).answer_text(), "NSEC3PARAM");
    assert_eq!(
        record(44, "x", vec![1, 2, 0xab, 0x0c]).answer_text(),
        "SSHFP: ab0c"
    );
    assert_eq!(
        record(99, "x", vec![3, b'v', b'=', b's']).answer_text(),
        "SPF 3 v=s"
    );
    assert_eq!(
        record(65534, "x", vec![1]).answer_text(),
        "BIND9 signing signal"
    );
    // Types Zeek decodes without logging an answer, then unknown types.
    for t in [11, 13, 41, 64, 65, 250, 257] {
        assert_eq!(record(t, "x", vec![1, 2, 3]).answer_text(), "", "type {t}");
    }
    assert_eq!(
        record(0xff00, "x", vec![]).answer_text(),
        "<unknown type=65280>"
    );
    // Short RDATA gives no text rather than a panic.
    for t in [43, 48, 46, 47, 44, 29, 99] {
        assert_eq!(record(t, "x", vec![]).answer_text(), "", "type {t}");
    }
}

#[test]
fn header_flags() {
    // QR, opcode 5 (update), AA, TC, RD, RA, rcode 5.
    let m = parse(&header(7, 0xaf85, [0; 4])).expect("parse");
    assert!(m.is_response && m.authoritative && m.truncated);
    assert!(m.recursion_desired && m.recursion_available);
    assert_eq!((m.opcode, m.rcode), (5, 5));
    assert_eq!(zeek_opcode_name(m.opcode), "dynamic-update");
    let m = parse(&header(7, 0xffff, [0; 4])).expect("parse");
    assert_eq!((m.opcode, m.rcode), (15, 15));
}

#[test]
fn type_and_rcode_names() {
    let iana = [
        (1, "A"),
        (28, "AAAA"),
        (5, "CNAME"),
        (16, "TXT"),
        (15, "MX"),
        (2, "NS"),
        (12, "PTR"),
        (6, "SOA"),
        (33, "SRV"),
        (255, "ANY"),
        (65, "HTTPS"),
        (64, "SVCB"),
        (41, "OPT"),
        (252, "AXFR"),
        (123, "TYPE123"),
        (0, "TYPE0"),
    ];
    for (t, name) in iana {
        assert_eq!(qtype_name(t), name);
    }
    let zeek = [
        (1, "A"),
        (28, "AAAA"),
        (12, "PTR"),
        (255, "*"),
        (65, "HTTPS"),
        (32, "NIMLOC"),
        (66, "query-66"),
        (123, "query-123"),
        (65281, "WINS"),
    ];
    for (t, name) in zeek {
        assert_eq!(zeek_qtype_name(t), name);
    }
    let rcodes = [
        (0, "NOERROR"),
        (1, "FORMERR"),
        (2, "SERVFAIL"),
        (3, "NXDOMAIN"),
        (4, "NOTIMP"),
        (5, "REFUSED"),
        (16, "BADVERS"),
        (12, "UNKNOWN"),
    ];
    for (r, name) in rcodes {
        assert_eq!(rcode_name(r), name);
    }
    assert_eq!(zeek_rcode_name(8), "NXRRSet");
    assert_eq!(zeek_rcode_name(12), "unassigned-12");
    assert_eq!(zeek_rcode_name(99), "rcode-99");
    assert_eq!(zeek_qclass_name(3), "C_CHAOS");
    assert_eq!(zeek_qclass_name(9), "qclass-9");
}

// ---- compression ------------------------------------------------------

#[test]
fn compression_pointer_to_itself_is_a_loop() {
    // The question name at offset 12 is a pointer to offset 12.
    let m = query_with_name(&[0xc0, 0x0c], &[]);
    assert_eq!(parse(&m), Err(DnsError::PointerLoop));
}

#[test]
fn compression_two_pointer_cycle_is_a_loop() {
    // Name at 12 points to 14; the bytes at 14 (the QTYPE field) point back to 12.
    let mut m = header(1, 0, [1, 0, 0, 0]);
    m.extend_from_slice(&[0xc0, 0x0e, 0xc0, 0x0c, 0x00, 0x01]);
    assert_eq!(parse(&m), Err(DnsError::PointerLoop));
}

#[test]
fn compression_loop_through_labels_hits_the_name_limits() {
    // "a" then a pointer back to the "a": the name grows until a limit stops it.
    let m = query_with_name(&[1, b'a', 0xc0, 0x0c], &[]);
    assert_eq!(parse(&m), Err(DnsError::TooManyLabels));
    let m = query_with_name(&[3, b'a', b'b', b'c', 0xc0, 0x0c], &[]);
    assert_eq!(parse(&m), Err(DnsError::NameTooLong));
}

#[test]
fn compression_pointer_chain_limit() {
    // The question name points at a chain of `jumps - 1` further pointers
    // (after the question), the last of which points at "end.".
    let chain = |jumps: usize| {
        let base = 12 + 2 + 4; // header, pointer, QTYPE/QCLASS
        let mut tail = Vec::new();
        for i in 1..jumps {
            let next = u16::try_from(base + 2 * i).expect("offset");
            tail.extend_from_slice(&(0xc000 | next).to_be_bytes());
        }
        tail.extend(wire_name("end"));
        query_with_name(&(0xc000u16 | base as u16).to_be_bytes(), &tail)
    };
    let m = parse(&chain(MAX_POINTER_JUMPS)).expect("at the limit");
    assert_eq!(m.questions[0].name, "end");
    assert_eq!(
        parse(&chain(MAX_POINTER_JUMPS + 1)),
        Err(DnsError::PointerLoop)
    );
}

#[test]
fn forward_pointer_is_followed() {
    // The question name points past itself, into bytes after the question.
    let m = query_with_name(&[0xc0, 18], &wire_name("later.example"));
    assert_eq!(parse(&m).expect("parse").questions[0].name, "later.example");
}

#[test]
fn pointer_outside_message() {
    let m = query_with_name(&[0xc0, 0xff], &[]);
    assert_eq!(parse(&m), Err(DnsError::BadPointer));
    let m = query_with_name(&[0xff, 0xff], &[]);
    assert_eq!(parse(&m), Err(DnsError::BadPointer));
}

#[test]
fn pointer_missing_its_second_octet() {
    // One answer whose owner name "a.b.c.d.e" ends on a lone pointer octet at
    // the end of the message (11 octets, so the count check passes).
    let mut m = header(1, 0x8000, [0, 1, 0, 0]);
    m.extend_from_slice(&[1, b'a', 1, b'b', 1, b'c', 1, b'd', 1, b'e', 0xc0]);
    assert_eq!(parse(&m), Err(DnsError::Truncated));
}

// ---- limits and malformed input ---------------------------------------

#[test]
fn name_length_limit() {
    let name = |lens: &[usize]| {
        let mut out = Vec::new();
        for &l in lens {
            out.push(u8::try_from(l).expect("len"));
            out.extend(std::iter::repeat_n(b'x', l));
        }
        out.push(0);
        out
    };
    // 3 * (1 + 63) + (1 + 61) + 1 = 255 octets: the longest legal name.
    let m = parse(&query_with_name(&name(&[63, 63, 63, 61]), &[])).expect("255 octets");
    assert_eq!(m.questions[0].name.len(), 253);
    assert_eq!(
        parse(&query_with_name(&name(&[63, 63, 63, 62]), &[])),
        Err(DnsError::NameTooLong)
    );
    // 127 one-octet labels is 255 octets; 128 is too many labels.
    assert!(parse(&query_with_name(&name(&[1; 127]), &[])).is_ok());
    assert_eq!(
        parse(&query_with_name(&name(&[1; 128]), &[])),
        Err(DnsError::TooManyLabels)
    );
}

#[test]
fn name_too_long_through_compression() {
    // The question is a legal 255-octet name; an answer prepends a label to it.
    let mut long = Vec::new();
    for l in [63usize, 63, 63, 61] {
        long.push(u8::try_from(l).expect("len"));
        long.extend(std::iter::repeat_n(b'y', l));
    }
    long.push(0);
    let mut m = header(1, 0x8180, [1, 1, 0, 0]);
    m.extend(question(&long, 1, 1));
    m.extend(rr(&[1, b'z', 0xc0, 0x0c], 1, 0, &[1, 2, 3, 4]));
    assert_eq!(parse(&m), Err(DnsError::NameTooLong));
}

#[test]
fn reserved_label_types() {
    for first in [0x40u8, 0x41, 0x80, 0xbf] {
        let m = query_with_name(&[first, 0, 0, 0, 0, 0], &[]);
        assert_eq!(parse(&m), Err(DnsError::BadLabel), "{first:#x}");
    }
}

#[test]
fn section_count_limits() {
    let too_many_questions = header(1, 0, [MAX_QUESTIONS as u16 + 1, 0, 0, 0]);
    assert_eq!(parse(&too_many_questions), Err(DnsError::TooManyRecords));
    for i in 1..4 {
        let mut counts = [0u16; 4];
        counts[i] = MAX_RECORDS_PER_SECTION as u16 + 1;
        assert_eq!(parse(&header(1, 0, counts)), Err(DnsError::TooManyRecords));
    }
    // Within the limits, but more records than the bytes can hold.
    assert_eq!(
        parse(&header(1, 0, [0, 100, 0, 0])),
        Err(DnsError::Truncated)
    );
    let mut m = unhex(WIKI_RESPONSE);
    m[7] = 3; // ANCOUNT 2 -> 3: the last additional is read as an answer, then one is missing
    assert_eq!(parse(&m), Err(DnsError::Truncated));
}

#[test]
fn message_size_limits() {
    assert!(parse(&header(1, 0, [0; 4])).is_ok());
    for len in 0..12 {
        assert_eq!(parse(&vec![0; len]), Err(DnsError::Truncated), "len {len}");
    }
    let mut big = header(1, 0, [0; 4]);
    big.resize(MAX_MESSAGE_LEN, 0);
    assert!(parse(&big).is_ok(), "trailing bytes are ignored");
    big.push(0);
    assert_eq!(parse(&big), Err(DnsError::MessageTooLong));
}

#[test]
fn malformed_rdata() {
    let cases: [(u16, Vec<u8>); 9] = [
        (1, vec![1, 2, 3]),
        (1, vec![1, 2, 3, 4, 5]),
        (28, vec![0; 4]),
        // CNAME whose name runs past RDLENGTH.
        (5, vec![3, b'a', b'b']),
        (2, vec![]),
        // MX without a name.
        (15, vec![0, 10]),
        // TXT string longer than the RDATA.
        (16, vec![5, b'a']),
        // SOA without its counters.
        (6, vec![0, 0, 0, 0, 0, 1]),
        // SRV without a target.
        (33, vec![0, 1, 0, 2, 0, 3]),
    ];
    for (rtype, rdata) in cases {
        // Trailing bytes after the record so a name overrun stays in the message.
        let mut m = response_with(&[rr(&[0xc0, 0x0c], rtype, 0, &rdata)]);
        m.extend_from_slice(&[1, 1, 1, 1, 0]);
        assert_eq!(parse(&m), Err(DnsError::BadRdata(rtype)), "type {rtype}");
    }
    // RDLENGTH beyond the message.
    let mut m = response_with(&[rr(&[0xc0, 0x0c], 1, 0, &[1, 2, 3, 4])]);
    m.truncate(m.len() - 1);
    assert_eq!(parse(&m), Err(DnsError::Truncated));
    // Name errors inside RDATA are reported as such: this CNAME's RDATA (at
    // offset 41) is a pointer to itself.
    let m = response_with(&[rr(&[0xc0, 0x0c], 5, 0, &[0xc0, 41])]);
    assert_eq!(parse(&m), Err(DnsError::PointerLoop));
    // A name in RDATA with bytes after it is accepted (Zeek only flags it).
    let m = response_with(&[rr(&[0xc0, 0x0c], 12, 0, &[0xc0, 0x0c, 0xee])]);
    assert_eq!(
        parse(&m).expect("parse").answers[0].data,
        RData::Name("example.com".into())
    );
}

#[test]
fn every_truncation_of_real_messages_errors() {
    for hex in REAL_MESSAGES {
        let m = unhex(hex);
        assert!(parse(&m).is_ok());
        // No real message has trailing bytes, so every strict prefix is short.
        for i in 0..m.len() {
            assert!(parse(&m[..i]).is_err(), "prefix of {i} octets");
        }
    }
}

// ---- TCP framing ------------------------------------------------------

fn framed(m: &[u8]) -> Vec<u8> {
    let mut out = u16::try_from(m.len()).expect("len").to_be_bytes().to_vec();
    out.extend_from_slice(m);
    out
}

#[test]
fn tcp_stream_with_partial_trailing_message() {
    let query = unhex(WIKI_QUERY);
    let response = unhex(WIKI_RESPONSE);
    let mut buf = framed(&query);
    buf.extend(framed(&response));
    let complete = buf.len();
    let next = framed(&unhex(V6_TXT_RESPONSE));
    buf.extend_from_slice(&next[..40]);

    let (messages, consumed) = parse_tcp_stream(&buf);
    assert_eq!(consumed, complete);
    assert_eq!(messages.len(), 2);
    assert_eq!(messages[0], parse(&query));
    assert_eq!(messages[1], parse(&response));
    assert!(messages.iter().all(Result::is_ok));

    // The rest arrives: the buffered tail completes the third message.
    let mut rest = buf[consumed..].to_vec();
    rest.extend_from_slice(&next[40..]);
    let (messages, consumed) = parse_tcp_stream(&rest);
    assert_eq!((messages.len(), consumed), (1, rest.len()));
    assert_eq!(messages[0].as_ref().expect("parse").answers[0].ttl, 1);
}

#[test]
fn tcp_stream_edge_cases() {
    assert_eq!(parse_tcp_stream(&[]), (vec![], 0));
    // Only the first octet of a length prefix.
    assert_eq!(parse_tcp_stream(&[0]), (vec![], 0));
    // A length prefix with no message yet.
    assert_eq!(parse_tcp_stream(&[0, 12]), (vec![], 0));
    // An empty message and a garbage one are consumed as errors; the stream goes on.
    let mut buf = vec![0, 0, 0, 3, b'a', b'b', b'c'];
    buf.extend(framed(&unhex(WIKI_QUERY)));
    let (messages, consumed) = parse_tcp_stream(&buf);
    assert_eq!(consumed, buf.len());
    assert_eq!(messages.len(), 3);
    assert_eq!(messages[0], Err(DnsError::Truncated));
    assert_eq!(messages[1], Err(DnsError::Truncated));
    assert!(messages[2].is_ok());
    // Every cut of a framed message leaves it unconsumed.
    let one = framed(&unhex(WIKI_RESPONSE));
    for i in 0..one.len() {
        assert_eq!(parse_tcp_stream(&one[..i]), (vec![], 0), "cut at {i}");
    }
}

// ---- fuzz-style robustness --------------------------------------------

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}

/// Everything a caller may do with a parsed message; must not panic either.
fn exercise(m: &Message) {
    for q in &m.questions {
        assert!(q.name.len() <= 4 * MAX_NAME_LEN);
        let _ = (qtype_name(q.qtype), zeek_qtype_name(q.qtype));
    }
    for r in m.answers.iter().chain(&m.authorities).chain(&m.additionals) {
        assert!(r.name.len() <= 4 * MAX_NAME_LEN);
        let _ = r.answer_text();
    }
    let _ = (rcode_name(m.rcode), zeek_rcode_name(m.rcode.into()));
}

/// Parses `bytes` as a UDP payload and as a TCP stream; true if the UDP parse succeeded.
fn check(bytes: &[u8]) -> bool {
    let parsed = parse(bytes);
    if let Ok(m) = &parsed {
        exercise(m);
    }
    let (messages, consumed) = parse_tcp_stream(bytes);
    assert!(consumed <= bytes.len());
    for m in messages.iter().flatten() {
        exercise(m);
    }
    parsed.is_ok()
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut parsed = 0;
    for i in 0..100_000 {
        let len = rng.below(300);
        let mut bytes: Vec<u8> = (0..len).map(|_| rng.byte()).collect();
        // Half the inputs get small section counts, so parsing goes past the header.
        if i % 2 == 0 && bytes.len() >= 12 {
            for b in &mut bytes[4..12] {
                *b = if rng.below(2) == 0 { 0 } else { rng.byte() % 4 };
            }
        }
        parsed += usize::from(check(&bytes));
    }
    // The inputs reach past the header: some parse, most do not.
    assert!((1_000..50_000).contains(&parsed), "{parsed} parsed");
}

#[test]
fn mutated_messages_never_panic() {
    let bases: Vec<Vec<u8>> = REAL_MESSAGES.iter().map(|h| unhex(h)).collect();
    let mut rng = XorShift(0xdead_beef_cafe_f00d);
    let mut parsed = 0;
    for _ in 0..100_000 {
        let mut m = bases[rng.below(bases.len())].clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(m.len());
            match rng.below(6) {
                0 => m[at] = rng.byte(),
                1 => m[at] ^= 1 << rng.below(8),
                // A compression pointer somewhere, possibly at itself.
                2 if at + 1 < m.len() => {
                    m[at] = 0xc0 | (rng.byte() & 0x01);
                    m[at + 1] = rng.byte();
                }
                3 => m.truncate(at),
                4 => {
                    let extra: Vec<u8> = (0..rng.below(8)).map(|_| rng.byte()).collect();
                    m.splice(at..at, extra);
                }
                _ => {
                    let end = (at + rng.below(16)).min(m.len());
                    m.drain(at..end);
                }
            }
            if m.is_empty() {
                break;
            }
        }
        parsed += usize::from(check(&m));
    }
    // Both outcomes are well represented, so the mutations exercise the
    // record parsing as well as the error paths.
    assert!((10_000..90_000).contains(&parsed), "{parsed} parsed");
}
