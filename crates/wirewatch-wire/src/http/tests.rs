//! Tests: hand-written request and response streams, split invariance,
//! gaps, limits, real bytes from Zeek's test trace `traces/http/get.pcap`,
//! and fuzz-style robustness checks.

use super::head::{base64_decode, parse_authorization, parse_chunk_size};
use super::*;

// ---- helpers ----

/// Runs a whole stream through a fresh parser: the queued methods, the
/// chunks in order, then `finish`.
fn run(make: fn() -> StreamParser, methods: &[&str], chunks: &[&[u8]]) -> Vec<Event> {
    let mut p = make();
    for m in methods {
        p.set_request_method(m);
    }
    let mut out = Vec::new();
    for c in chunks {
        out.extend(p.feed(c));
    }
    out.extend(p.finish());
    out
}

/// Events for `data` fed at once, after checking that feeding it byte by
/// byte and split in two at every point gives the same events.
fn split_invariant(make: fn() -> StreamParser, methods: &[&str], data: &[u8]) -> Vec<Event> {
    let whole = run(make, methods, &[data]);
    let bytes: Vec<&[u8]> = data.chunks(1).collect();
    assert_eq!(run(make, methods, &bytes), whole, "byte by byte");
    for i in 0..=data.len() {
        let (a, b) = data.split_at(i);
        assert_eq!(run(make, methods, &[a, b]), whole, "split at {i}");
    }
    check_pairing(&whole, true);
    whole
}

/// Every head is followed by exactly one body-done of its kind before the
/// next head; with `closed`, none is left open.
fn check_pairing(events: &[Event], closed: bool) {
    let mut open: Option<bool> = None; // Some(true) = request open
    for e in events {
        match e {
            Event::Request(r) => {
                assert!(open.is_none(), "head while a body is open: {events:?}");
                assert_eq!(r.body_len, 0);
                open = Some(true);
            }
            Event::Response(r) => {
                assert!(open.is_none(), "head while a body is open: {events:?}");
                assert_eq!(r.body_len, 0);
                open = Some(false);
            }
            Event::RequestBodyDone { .. } => {
                assert_eq!(open.take(), Some(true), "{events:?}");
            }
            Event::ResponseBodyDone { .. } => {
                assert_eq!(open.take(), Some(false), "{events:?}");
            }
            Event::Error(_) => {}
        }
    }
    if closed {
        assert!(open.is_none(), "body left open: {events:?}");
    }
}

fn requests(events: &[Event]) -> Vec<&Request> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Request(r) => Some(r),
            _ => None,
        })
        .collect()
}

fn responses(events: &[Event]) -> Vec<&Response> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Response(r) => Some(r),
            _ => None,
        })
        .collect()
}

/// The events with heads reduced to a short tag, for compact assertions.
fn shape(events: &[Event]) -> Vec<String> {
    events
        .iter()
        .map(|e| match e {
            Event::Request(r) => format!("{} {}", r.method, r.uri),
            Event::Response(r) => format!("{} {}", r.status, r.reason),
            Event::RequestBodyDone { body_len } => format!("req body {body_len}"),
            Event::ResponseBodyDone { body_len } => format!("resp body {body_len}"),
            Event::Error(e) => format!("error {e:?}"),
        })
        .collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .map(|i| u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap())
        .collect()
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

// ---- requests ----

const PIPELINED_REQUESTS: &[u8] = b"GET /a?x=1 HTTP/1.1\r\n\
Host: example.com\r\n\
User-Agent: curl/8.5.0\r\n\
Accept: */*\r\n\
\r\n\
POST /form HTTP/1.1\r\n\
host: example.com:8080\r\n\
Content-Type: application/x-www-form-urlencoded\r\n\
content-length: 7\r\n\
Referer: http://example.com/a\r\n\
\r\n\
x=1&y=2\
HEAD /b HTTP/1.0\r\n\
\r\n";

#[test]
fn http_pipelined_requests() {
    let events = split_invariant(StreamParser::client, &[], PIPELINED_REQUESTS);
    assert_eq!(
        shape(&events),
        [
            "GET /a?x=1",
            "req body 0",
            "POST /form",
            "req body 7",
            "HEAD /b",
            "req body 0"
        ]
    );
    let reqs = requests(&events);
    let get = reqs[0];
    assert_eq!(get.version, "1.1");
    assert_eq!(get.host.as_deref(), Some("example.com"));
    assert_eq!(get.user_agent.as_deref(), Some("curl/8.5.0"));
    assert_eq!(get.referrer, None);
    assert_eq!(get.content_type, None);
    assert_eq!(get.authorization, None);
    assert_eq!(
        get.headers,
        [
            ("Host".to_string(), "example.com".to_string()),
            ("User-Agent".to_string(), "curl/8.5.0".to_string()),
            ("Accept".to_string(), "*/*".to_string()),
        ]
    );
    let post = reqs[1];
    assert_eq!(post.host.as_deref(), Some("example.com:8080"));
    assert_eq!(
        post.content_type.as_deref(),
        Some("application/x-www-form-urlencoded")
    );
    assert_eq!(post.referrer.as_deref(), Some("http://example.com/a"));
    assert_eq!(reqs[2].version, "1.0");
    assert_eq!(reqs[2].host, None);
}

#[test]
fn http_chunked_request_with_trailers() {
    let stream = b"POST /upload HTTP/1.1\r\n\
Host: h\r\n\
Transfer-Encoding: gzip, chunked\r\n\
Content-Length: 3\r\n\
\r\n\
5;name=value\r\nhello\r\n\
1A \r\nabcdefghijklmnopqrstuvwxyz\r\n\
000\r\n\
X-Checksum: abc\r\n\
X-Other: d\r\n\
\r\n\
GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
    let events = split_invariant(StreamParser::client, &[], stream);
    assert_eq!(
        shape(&events),
        ["POST /upload", "req body 31", "GET /next", "req body 0"]
    );
}

#[test]
fn http_header_folding_whitespace_and_bad_lines() {
    let stream = b"\r\n\r\nGET  /spaced uri   HTTP/1.1 \r\n\
X-Folded: first\r\n\
\x20 second\r\n\
\tthird\r\n\
no colon here\r\n\
Bad Name: x\r\n\
Host:   h  \r\n\
Empty:\r\n\
\r\n";
    let events = split_invariant(StreamParser::client, &[], stream);
    assert_eq!(
        shape(&events),
        ["error BadHeaderLine", "GET /spaced uri", "req body 0"]
    );
    let r = requests(&events)[0];
    assert_eq!(
        r.headers,
        [
            ("X-Folded".to_string(), "first second third".to_string()),
            ("Host".to_string(), "h".to_string()),
            ("Empty".to_string(), String::new()),
        ]
    );
    assert_eq!(r.host.as_deref(), Some("h"));
}

#[test]
fn http_bare_lf_line_ends() {
    let stream =
        b"GET / HTTP/1.1\nHost: lf\n\nPOST / HTTP/1.1\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n";
    let events = split_invariant(StreamParser::client, &[], stream);
    assert_eq!(
        shape(&events),
        ["GET /", "req body 0", "POST /", "req body 3"]
    );
    assert_eq!(requests(&events)[0].host.as_deref(), Some("lf"));
}

#[test]
fn http_text_is_lossless() {
    let stream = b"GET /caf\xc3\xa9 HTTP/1.1\r\nUser-Agent: \xe9t\xe9\r\n\r\n";
    let events = split_invariant(StreamParser::client, &[], stream);
    let r = requests(&events)[0];
    assert_eq!(r.uri, "/café");
    assert_eq!(r.user_agent.as_deref(), Some("\u{e9}t\u{e9}"));
}

// ---- responses ----

#[test]
fn http_pipelined_responses_head_304_204() {
    let stream = b"HTTP/1.1 200 OK\r\n\
Content-Type: text/plain\r\n\
Server: nginx/1.24.0\r\n\
Content-Length: 5\r\n\
\r\n\
hello\
HTTP/1.1 302 Found\r\nLocation: /a\r\nContent-Length: 0\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Length: 1234\r\n\r\n\
HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n\
HTTP/1.1 204 No Content\r\nContent-Length: 12\r\n\r\n\
HTTP/1.1 404\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nnope\r\n0\r\n\r\n";
    let methods = ["GET", "POST", "HEAD", "GET", "DELETE", "GET"];
    let events = split_invariant(StreamParser::server, &methods, stream);
    assert_eq!(
        shape(&events),
        [
            "200 OK",
            "resp body 5",
            "302 Found",
            "resp body 0",
            "200 OK",
            "resp body 0",
            "304 Not Modified",
            "resp body 0",
            "204 No Content",
            "resp body 0",
            "404 ",
            "resp body 4",
        ]
    );
    let first = responses(&events)[0];
    assert_eq!(first.version, "1.1");
    assert_eq!(first.content_type.as_deref(), Some("text/plain"));
    assert_eq!(first.server.as_deref(), Some("nginx/1.24.0"));
    assert_eq!(responses(&events)[5].reason, "");
}

#[test]
fn http_chunked_response_with_trailers() {
    let stream = b"HTTP/1.1 200 OK\r\n\
Transfer-Encoding: chunked\r\n\
Trailer: Expires\r\n\
\r\n\
7\r\nMozilla\r\n\
9\r\nDeveloper\r\n\
7\r\nNetwork\r\n\
0\r\n\
Expires: Wed, 21 Oct 2015 07:28:00 GMT\r\n\
\r\n\
HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    let events = split_invariant(StreamParser::server, &[], stream);
    assert_eq!(
        shape(&events),
        ["200 OK", "resp body 23", "200 OK", "resp body 2"]
    );
}

#[test]
fn http_read_until_close() {
    let stream = b"HTTP/1.0 200 OK\r\nServer: old\r\nContent-Type: text/html\r\n\r\n<html>\r\n\r\nHTTP/1.1 200 OK\r\n";
    let mut p = StreamParser::server();
    p.set_request_method("GET");
    let events = p.feed(stream);
    assert_eq!(shape(&events), ["200 OK"]);
    assert_eq!(shape(&p.finish()), ["resp body 27"]);
    assert!(p.finish().is_empty());
    assert!(p.feed(b"more").is_empty());
    split_invariant(StreamParser::server, &["GET"], stream);

    // Transfer-Encoding without chunked: the body runs to the close too.
    let stream = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nabcdef";
    let events = split_invariant(StreamParser::server, &[], stream);
    assert_eq!(shape(&events), ["200 OK", "resp body 6"]);
}

#[test]
fn http_100_continue_and_other_interim_responses() {
    let client =
        b"PUT /f HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\ndata";
    let events = split_invariant(StreamParser::client, &[], client);
    assert_eq!(shape(&events), ["PUT /f", "req body 4"]);
    assert_eq!(
        header(&requests(&events)[0].headers, "expect"),
        Some("100-continue")
    );

    // 1xx responses do not use up the queued method: the HEAD answer after
    // the interim responses still has no body.
    let server = b"HTTP/1.1 100 Continue\r\n\r\n\
HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n\
HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n\
HTTP/1.1 102 Processing\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n\
HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
    let events = split_invariant(StreamParser::server, &["PUT", "HEAD", "GET"], server);
    assert_eq!(
        shape(&events),
        [
            "100 Continue",
            "resp body 0",
            "201 Created",
            "resp body 0",
            "103 Early Hints",
            "resp body 0",
            "102 Processing",
            "resp body 0",
            "200 OK",
            "resp body 0",
            "200 OK",
            "resp body 3",
        ]
    );
}

// ---- tunnels ----

#[test]
fn http_connect_tunnel() {
    let tls = b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03GET / HTTP/1.1\r\n\r\n";
    let mut client = b"CONNECT example.com:443 HTTP/1.1\r\n\
Host: example.com:443\r\n\
Proxy-Authorization: Basic dXNlcjpwYXNz\r\n\
\r\n"
        .to_vec();
    client.extend_from_slice(tls);
    let events = split_invariant(StreamParser::client, &[], &client);
    assert_eq!(shape(&events), ["CONNECT example.com:443", "req body 0"]);
    assert_eq!(
        requests(&events)[0].authorization,
        Some(Authorization::Basic {
            username: "user".into(),
            password: "pass".into()
        })
    );
    let mut p = StreamParser::client();
    p.feed(&client);
    assert!(p.in_tunnel());

    let mut server = b"HTTP/1.1 200 Connection established\r\n\r\n".to_vec();
    server.extend_from_slice(b"\x16\x03\x03\x00\x40HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
    let events = split_invariant(StreamParser::server, &["CONNECT"], &server);
    assert_eq!(
        shape(&events),
        ["200 Connection established", "resp body 0"]
    );
    let mut p = StreamParser::server();
    p.set_request_method("CONNECT");
    p.feed(&server);
    assert!(p.in_tunnel());
    p.gap(100);
    assert!(p.feed(b"HTTP/1.1 200 OK\r\n\r\n").is_empty());
}

#[test]
fn http_connect_refused_then_retried() {
    let mut client = b"CONNECT h:443 HTTP/1.1\r\n\r\n\
CONNECT h:443 HTTP/1.1\r\nProxy-Authorization: Bearer abc\r\n\r\n"
        .to_vec();
    client.extend_from_slice(b"\x16\x03\x01\x00\x05hello");
    let events = split_invariant(StreamParser::client, &[], &client);
    assert_eq!(
        shape(&events),
        ["CONNECT h:443", "req body 0", "CONNECT h:443", "req body 0"]
    );
    assert_eq!(
        requests(&events)[1].authorization,
        Some(Authorization::Other("Bearer".into()))
    );

    let mut server = b"HTTP/1.1 407 Proxy Authentication Required\r\n\
Proxy-Authenticate: Basic realm=\"proxy\"\r\n\
Content-Length: 4\r\n\
\r\n\
nope\
HTTP/1.1 200 OK\r\n\r\n"
        .to_vec();
    server.extend_from_slice(b"\x16\x03\x03\x00\x05hello");
    let events = split_invariant(StreamParser::server, &["CONNECT", "CONNECT"], &server);
    assert_eq!(
        shape(&events),
        [
            "407 Proxy Authentication Required",
            "resp body 4",
            "200 OK",
            "resp body 0"
        ]
    );
}

#[test]
fn http_upgrade_to_websocket() {
    let mut client =
        b"GET /chat HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
            .to_vec();
    client.extend_from_slice(b"\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58");
    let events = split_invariant(StreamParser::client, &[], &client);
    assert_eq!(shape(&events), ["GET /chat", "req body 0"]);

    // Upgrade offered but not taken (h2c ignored): the next request is parsed.
    let client = b"GET / HTTP/1.1\r\nUpgrade: h2c\r\n\r\n\r\nGET /2 HTTP/1.1\r\n\r\n";
    let events = split_invariant(StreamParser::client, &[], client);
    assert_eq!(
        shape(&events),
        ["GET /", "req body 0", "GET /2", "req body 0"]
    );

    let mut server = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n".to_vec();
    server.extend_from_slice(b"\x81\x05hello");
    let events = split_invariant(StreamParser::server, &["GET"], &server);
    assert_eq!(shape(&events), ["101 Switching Protocols", "resp body 0"]);
}

// ---- authorization ----

#[test]
fn http_basic_auth() {
    let stream =
        b"GET /private HTTP/1.1\r\nAuthorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n";
    let events = split_invariant(StreamParser::client, &[], stream);
    assert_eq!(
        requests(&events)[0].authorization,
        Some(Authorization::Basic {
            username: "Aladdin".into(),
            password: "open sesame".into()
        })
    );
    let basic = |u: &str, p: &str| Authorization::Basic {
        username: u.into(),
        password: p.into(),
    };
    let other = |s: &str| Authorization::Other(s.into());
    let cases: &[(&[u8], Authorization)] = &[
        (b"basic dXNlcjpwYTpzcw==", basic("user", "pa:ss")),
        (b"BASIC   dXNlcjpwYXNz  ", basic("user", "pass")),
        (b"Basic dXNlcjpwYXNz", basic("user", "pass")),
        (b"Basic Og==", basic("", "")),
        (
            b"Basic asO8cmdlbjpww6Rzc3dvcmQ=",
            basic("jürgen", "pässword"),
        ),
        (b"Basic bm9jb2xvbg==", other("Basic")),
        (b"Basic !!!!", other("Basic")),
        (b"Basic", other("Basic")),
        (b"Bearer eyJhbGciOiJIUzI1NiJ9.e30.x", other("Bearer")),
        (
            b"Negotiate YIIGhgYGKwYBBQUCoIIGejCCBnagMDAu",
            other("Negotiate"),
        ),
        (b"Digest username=\"u\", realm=\"r\"", other("Digest")),
        (b"", other("")),
    ];
    for (value, expected) in cases {
        assert_eq!(
            &parse_authorization(value),
            expected,
            "{}",
            String::from_utf8_lossy(value)
        );
    }
    // Authorization wins over Proxy-Authorization.
    let stream = b"GET / HTTP/1.1\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\nAuthorization: Bearer t\r\n\r\n";
    let events = run(StreamParser::client, &[], &[stream]);
    assert_eq!(
        requests(&events)[0].authorization,
        Some(Authorization::Other("Bearer".into()))
    );
}

#[test]
fn http_base64_decoder() {
    let ok: &[(&[u8], &[u8])] = &[
        (b"", b""),
        (b"TQ==", b"M"),
        (b"TQ", b"M"),
        (b"TWE=", b"Ma"),
        (b"TWE", b"Ma"),
        (b"TWFu", b"Man"),
        (b"TWFuTWFu", b"ManMan"),
        (b"+/+/", b"\xfb\xff\xbf"),
        (b"AAEC/w==", b"\x00\x01\x02\xff"),
    ];
    for (input, output) in ok {
        assert_eq!(base64_decode(input).as_deref(), Some(*output));
    }
    for bad in [
        &b"T"[..],
        b"TQ=",
        b"TWFuT",
        b"TW!u",
        b"=TWF",
        b"TQ==TQ==",
        b"TWFu===",
        b"TW u",
        b"TWF-",
    ] {
        assert_eq!(base64_decode(bad), None, "{}", String::from_utf8_lossy(bad));
    }
}

// ---- detection ----

#[test]
fn http_looks_like_request() {
    for yes in [
        &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..],
        b"GET /",
        b"POST /api HTTP/1.0\n",
        b"OPTIONS * HTTP/1.1\r\n",
        b"CONNECT example.com:443 HTTP/1.1\r\n",
        b"GET http://example.com/ HTTP/1.1\r\n",
        b"M-SEARCH * HTTP/1.1\r\n",
        b"RPC_IN_DATA /rpc/rpcproxy.dll?h:6001 HTTP/1.1\r\n",
        b"GET /caf\xc3\xa9 HTTP/1.1\r\n",
    ] {
        assert!(looks_like_request(yes), "{}", String::from_utf8_lossy(yes));
    }
    for no in [
        &b""[..],
        b"GET",
        b"GET ",
        b"GET  /",
        b"get / HTTP/1.1\r\n",
        b"FOO / HTTP/1.1\r\n",
        b"GET / FTP/1.0\r\n",
        b"GET / HTTP/1.1 junk\r\n",
        b"GET /\x00 HTTP/1.1",
        b"HTTP/1.1 200 OK\r\n",
        b"SSH-2.0-OpenSSH_9.6\r\n",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        b"USER anonymous\r\n",
    ] {
        assert!(!looks_like_request(no), "{}", String::from_utf8_lossy(no));
    }
}

// ---- errors and resynchronisation ----

#[test]
fn http_bad_start_lines_resynchronise() {
    let stream = b"garbage line\r\nmore: garbage\r\n\r\nGET /ok HTTP/1.1\r\n\r\nGET /0.9\r\nxGET /no HTTP/1.1\r\nPOST /yes HTTP/1.1\r\n\r\n";
    let events = split_invariant(StreamParser::client, &[], stream);
    assert_eq!(
        shape(&events),
        [
            "error BadRequestLine",
            "GET /ok",
            "req body 0",
            "error BadRequestLine",
            "POST /yes",
            "req body 0"
        ]
    );

    let stream = b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02\nHTTP/1.1 200 OK\r\n\r\nabc";
    let events = split_invariant(StreamParser::server, &[], stream);
    assert_eq!(
        shape(&events),
        ["error BadStatusLine", "200 OK", "resp body 3"]
    );

    for bad in [
        &b"HTTP/1.1 20 OK\r\n\r\n"[..],
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1 abc OK\r\n\r\n",
        b"HTTP/x 200 OK\r\n\r\n",
        b"HTTP/1.1\r\n\r\n",
        b"ICY 200 OK\r\n\r\n",
    ] {
        let events = split_invariant(StreamParser::server, &[], bad);
        assert_eq!(shape(&events), ["error BadStatusLine"]);
    }
    for bad in [
        &b"GET\r\n\r\n"[..],
        b"GET /\r\n\r\n",
        b"GET / HTTP/\r\n\r\n",
        b"G(T / HTTP/1.1\r\n\r\n",
        b"GET HTTP/1.1\r\n\r\n",
    ] {
        let events = split_invariant(StreamParser::client, &[], bad);
        assert_eq!(shape(&events), ["error BadRequestLine"]);
    }
}

#[test]
fn http_bad_framing() {
    let cases: &[(&[u8], &[&str])] = &[
        (
            b"POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhelloGET /next HTTP/1.1\r\n\r\n",
            &["POST /", "error BadContentLength", "req body 0"],
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabcGET /next HTTP/1.1\r\n\r\n",
            &["POST /", "req body 3", "GET /next", "req body 0"],
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\nhello\r\nGET /next HTTP/1.1\r\n\r\n",
            &["POST /", "error BadContentLength", "req body 0", "GET /next", "req body 0"],
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
            &["POST /", "error BadContentLength", "req body 0"],
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length: 18446744073709551615\r\n\r\nabc",
            &["POST /", "req body 3"],
        ),
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
            &["POST /", "error BadTransferEncoding", "req body 0"],
        ),
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\nContent-Length: 2\r\n\r\nab",
            &["POST /", "req body 2"],
        ),
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\nGET /next HTTP/1.1\r\n\r\n",
            &["POST /", "error BadChunkSize", "req body 0", "GET /next", "req body 0"],
        ),
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\nGET /next HTTP/1.1\r\n\r\n",
            &["POST /", "error BadChunkEnd", "req body 3", "GET /next", "req body 0"],
        ),
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n11111111111111111\r\n",
            &["POST /", "error BadChunkSize", "req body 0"],
        ),
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nab",
            &["POST /", "req body 2"],
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc",
            &["POST /", "req body 3"],
        ),
        (b"GET / HTTP/1.1\r\nHost: x\r\n", &["error TruncatedHead"]),
        (b"GET / HTT", &["error TruncatedHead"]),
        (b"\r\n\r\n", &[]),
    ];
    for (stream, expected) in cases {
        let events = split_invariant(StreamParser::client, &[], stream);
        assert_eq!(
            shape(&events),
            *expected,
            "{}",
            String::from_utf8_lossy(stream)
        );
    }
}

#[test]
fn http_chunk_size_lines() {
    assert_eq!(parse_chunk_size(b"0"), Some(0));
    assert_eq!(parse_chunk_size(b"1a"), Some(26));
    assert_eq!(parse_chunk_size(b"1A ; name=\"v\""), Some(26));
    assert_eq!(parse_chunk_size(b"  ff  "), Some(255));
    assert_eq!(parse_chunk_size(b"ffffffffffffffff"), Some(u64::MAX));
    assert_eq!(parse_chunk_size(b"00000000000000000001"), Some(1));
    assert_eq!(parse_chunk_size(b"10000000000000000"), None);
    assert_eq!(parse_chunk_size(b""), None);
    assert_eq!(parse_chunk_size(b";ext"), None);
    assert_eq!(parse_chunk_size(b"0x10"), None);
    assert_eq!(parse_chunk_size(b"-1"), None);
    assert_eq!(parse_chunk_size(b"12 34"), None);
}

/// Events for `data`, checking split invariance at every `step`-th point
/// only (the streams are too long for every point).
fn sparse_split_invariant(make: fn() -> StreamParser, data: &[u8], step: usize) -> Vec<Event> {
    let whole = run(make, &[], &[data]);
    for i in (0..=data.len()).step_by(step).chain([data.len() - 1]) {
        let (a, b) = data.split_at(i);
        assert_eq!(run(make, &[], &[a, b]), whole, "split at {i}");
    }
    let chunks: Vec<&[u8]> = data.chunks(7).collect();
    assert_eq!(run(make, &[], &chunks), whole, "chunks of 7");
    check_pairing(&whole, true);
    whole
}

#[test]
fn http_limits() {
    let next = b"\r\nGET /next HTTP/1.1\r\n\r\n";

    // A start line of exactly MAX_LINE_LEN bytes passes; one more does not.
    for (extra, expected) in [
        (0, vec!["GET /a…", "req body 0", "GET /next", "req body 0"]),
        (1, vec!["error LineTooLong", "GET /next", "req body 0"]),
    ] {
        let mut s = b"GET /".to_vec();
        s.resize(MAX_LINE_LEN - " HTTP/1.1\r\n".len() + extra, b'a');
        s.extend_from_slice(b" HTTP/1.1\r\n\r\n");
        s.extend_from_slice(next);
        let events = sparse_split_invariant(StreamParser::client, &s, 997);
        let got: Vec<String> = shape(&events)
            .into_iter()
            .map(|s| {
                if s.starts_with("GET /aa") {
                    "GET /a…".to_string()
                } else {
                    s
                }
            })
            .collect();
        assert_eq!(got, expected, "extra {extra}");
    }

    // MAX_HEADERS header lines pass; one more does not.
    for (extra, expected) in [
        (0, vec!["GET /", "req body 0", "GET /next", "req body 0"]),
        (1, vec!["error TooManyHeaders", "GET /next", "req body 0"]),
    ] {
        let mut s = b"GET / HTTP/1.1\r\n".to_vec();
        for i in 0..MAX_HEADERS + extra {
            s.extend_from_slice(format!("X-H{i}: v\r\n").as_bytes());
        }
        s.extend_from_slice(b"\r\n");
        s.extend_from_slice(next);
        let events = sparse_split_invariant(StreamParser::client, &s, 101);
        assert_eq!(shape(&events), expected, "extra {extra}");
    }

    // A head of exactly MAX_HEAD_LEN bytes passes; one more does not.
    for (extra, expected) in [
        (0, vec!["GET /", "req body 0", "GET /next", "req body 0"]),
        (1, vec!["error HeadTooLong", "GET /next", "req body 0"]),
    ] {
        let mut s = b"GET / HTTP/1.1\r\n".to_vec();
        let filler = "X-Filler: ".to_string() + &"f".repeat(1000) + "\r\n";
        while s.len() + filler.len() + 2 <= MAX_HEAD_LEN {
            s.extend_from_slice(filler.as_bytes());
        }
        let pad = MAX_HEAD_LEN - s.len() - 2 + extra - "X-Last: \r\n".len();
        s.extend_from_slice(format!("X-Last: {}\r\n\r\n", "l".repeat(pad)).as_bytes());
        assert_eq!(s.len(), MAX_HEAD_LEN + extra);
        s.extend_from_slice(next);
        let events = sparse_split_invariant(StreamParser::client, &s, 997);
        assert_eq!(shape(&events), expected, "extra {extra}");
    }

    // Chunk-size line and trailer limits.
    let mut s = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;".to_vec();
    s.resize(s.len() + MAX_CHUNK_LINE_LEN, b'x');
    s.extend_from_slice(b"\r\nhello\r\n0\r\n\r\n");
    s.extend_from_slice(next);
    let events = sparse_split_invariant(StreamParser::client, &s, 13);
    assert_eq!(
        shape(&events),
        [
            "POST /",
            "error ChunkLineTooLong",
            "req body 0",
            "GET /next",
            "req body 0"
        ]
    );
    let mut s = b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n".to_vec();
    for i in 0..=MAX_HEADERS {
        s.extend_from_slice(format!("X-T{i}: v\r\n").as_bytes());
    }
    s.extend_from_slice(b"\r\n");
    s.extend_from_slice(next);
    let events = sparse_split_invariant(StreamParser::client, &s, 101);
    assert_eq!(
        shape(&events),
        [
            "POST /",
            "error TooManyHeaders",
            "req body 0",
            "GET /next",
            "req body 0"
        ]
    );

    // Pending methods are capped; the oldest are dropped.
    let mut p = StreamParser::server();
    p.set_request_method("HEAD");
    for _ in 0..MAX_PENDING_METHODS {
        p.set_request_method("GET");
    }
    let events = p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx");
    assert_eq!(shape(&events), ["200 OK", "resp body 1"]);
}

// ---- gaps ----

/// Feeds `parts`, calling `gap(n)` for each `Err(n)`, then finishes.
fn run_with_gaps(mut p: StreamParser, parts: &[Result<&[u8], u64>]) -> Vec<Event> {
    let mut out = Vec::new();
    for part in parts {
        match part {
            Ok(data) => out.extend(p.feed(data)),
            Err(n) => p.gap(*n),
        }
    }
    out.extend(p.finish());
    check_pairing(&out, true);
    out
}

#[test]
fn http_gap_inside_body_is_skipped() {
    let events = run_with_gaps(
        StreamParser::client(),
        &[
            Ok(b"POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"),
            Err(4),
            Ok(b"def"),
            Ok(b"GET /b HTTP/1.1\r\n\r\n"),
        ],
    );
    assert_eq!(
        shape(&events),
        ["POST /a", "req body 10", "GET /b", "req body 0"]
    );

    // A gap ending exactly at the end of the body leaves the framing intact.
    let events = run_with_gaps(
        StreamParser::client(),
        &[
            Ok(b"POST /a HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"),
            Err(7),
            Ok(b"GET /b HTTP/1.1\r\n\r\n"),
        ],
    );
    assert_eq!(
        shape(&events),
        ["POST /a", "req body 10", "GET /b", "req body 0"]
    );

    // Inside chunk data, and exactly to its end.
    let events = run_with_gaps(
        StreamParser::server(),
        &[
            Ok(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nab"),
            Err(4),
            Ok(b"cdefgh"),
            Err(4),
            Ok(b"\r\n3\r\nxyz\r\n0\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"),
        ],
    );
    assert_eq!(
        shape(&events),
        ["200 OK", "resp body 19", "204 No Content", "resp body 0"]
    );

    // Read-until-close bodies count every lost byte.
    let events = run_with_gaps(
        StreamParser::server(),
        &[Ok(b"HTTP/1.0 200 OK\r\n\r\nab"), Err(1000), Ok(b"cd")],
    );
    assert_eq!(shape(&events), ["200 OK", "resp body 1004"]);
}

#[test]
fn http_gap_breaking_framing_resynchronises() {
    // In a head: the message is lost; parsing resumes at the next request line.
    let events = run_with_gaps(
        StreamParser::client(),
        &[
            Ok(b"GET /a HTTP/1.1\r\nHo"),
            Err(10),
            Ok(b"st: x\r\n\r\nGET /b HTTP/1.1\r\n\r\n"),
        ],
    );
    assert_eq!(shape(&events), ["error Gap(10)", "GET /b", "req body 0"]);

    // Past the end of a body: the body is complete, the rest of the gap is lost.
    let events = run_with_gaps(
        StreamParser::client(),
        &[
            Ok(b"POST /a HTTP/1.1\r\nContent-Length: 5\r\n\r\nab"),
            Err(3 + 7),
            Ok(b"HTTP/1.1\r\nHost: x\r\n\r\nPUT /c HTTP/1.1\r\nContent-Length: 1\r\n\r\nz"),
        ],
    );
    assert_eq!(
        shape(&events),
        [
            "POST /a",
            "req body 5",
            "error Gap(7)",
            "PUT /c",
            "req body 1"
        ]
    );

    // Past the end of chunk data.
    let events = run_with_gaps(
        StreamParser::server(),
        &[
            Ok(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"),
            Err(20),
            Ok(b"xx\r\n0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
        ],
    );
    assert_eq!(
        shape(&events),
        [
            "200 OK",
            "error Gap(17)",
            "resp body 5",
            "200 OK",
            "resp body 0"
        ]
    );

    // In a chunk-size line; the gap's events come out of `finish` if nothing follows.
    let events = run_with_gaps(
        StreamParser::server(),
        &[
            Ok(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\n1"),
            Err(5),
        ],
    );
    assert_eq!(shape(&events), ["200 OK", "error Gap(5)", "resp body 5"]);

    // While resynchronising, gaps are silent.
    let events = run_with_gaps(
        StreamParser::server(),
        &[
            Ok(b"junk\r\nHTT"),
            Err(5),
            Ok(b"P/1.1 200 OK\r\n\r\n"),
            Err(1),
            Ok(b"HTTP/1.0 404 Not Found\r\n\r\n"),
        ],
    );
    assert_eq!(
        shape(&events),
        ["error BadStatusLine", "404 Not Found", "resp body 0"]
    );

    // Zero-length gaps change nothing.
    let mut p = StreamParser::client();
    p.feed(b"GET / HT");
    p.gap(0);
    assert_eq!(shape(&p.feed(b"TP/1.1\r\n\r\n")), ["GET /", "req body 0"]);
}

// ---- real traffic ----

#[test]
fn http_get_from_capture() {
    let request = unhex(GET_PCAP_REQUEST);
    let events = split_invariant(StreamParser::client, &[], &request);
    assert_eq!(
        shape(&events),
        ["GET /download/CHANGES.bro-aux.txt", "req body 0"]
    );
    let r = requests(&events)[0];
    assert_eq!(r.method, "GET");
    assert_eq!(r.host.as_deref(), Some("bro.org"));
    assert_eq!(r.uri, "/download/CHANGES.bro-aux.txt");
    assert_eq!(r.version, "1.1");
    assert_eq!(r.user_agent.as_deref(), Some("Wget/1.14 (darwin12.2.0)"));
    assert_eq!(r.referrer, None);
    assert_eq!(r.authorization, None);
    assert_eq!(header(&r.headers, "connection"), Some("Keep-Alive"));

    // Segment by segment, as captured: the body ends with the last segment.
    let segments: Vec<Vec<u8>> = GET_PCAP_RESPONSE.iter().map(|s| unhex(s)).collect();
    let mut p = StreamParser::server();
    p.set_request_method(&r.method);
    let mut per_segment: Vec<Vec<Event>> = segments.iter().map(|s| p.feed(s)).collect();
    assert!(p.finish().is_empty());
    assert_eq!(per_segment[0].len(), 1);
    assert!(per_segment[1].is_empty() && per_segment[2].is_empty());
    assert_eq!(per_segment[3], [Event::ResponseBodyDone { body_len: 4705 }]);
    let Event::Response(resp) = per_segment[0].remove(0) else {
        panic!("not a response");
    };
    assert_eq!(resp.version, "1.1");
    assert_eq!(resp.status, 200);
    assert_eq!(resp.reason, "OK");
    assert_eq!(resp.server.as_deref(), Some("Apache/2.4.3 (Fedora)"));
    assert_eq!(
        resp.content_type.as_deref(),
        Some("text/plain; charset=UTF-8")
    );
    assert_eq!(header(&resp.headers, "content-length"), Some("4705"));
    assert_eq!(resp.headers.len(), 9);

    let whole = segments.concat();
    assert_eq!(whole.len(), 5007);
    let events = split_invariant(StreamParser::server, &["GET"], &whole);
    assert_eq!(shape(&events), ["200 OK", "resp body 4705"]);

    // A segment lost in the middle of the body is skipped and counted.
    let mut p = StreamParser::server();
    p.set_request_method("GET");
    let mut events = p.feed(&segments[0]);
    p.gap(segments[1].len() as u64);
    for s in &segments[2..] {
        events.extend(p.feed(s));
    }
    events.extend(p.finish());
    assert_eq!(shape(&events), ["200 OK", "resp body 4705"]);
}

// ---- robustness ----

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
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

/// Valid streams the mutations start from: (client side, bytes).
fn corpus() -> Vec<(bool, Vec<u8>)> {
    let mut c = vec![
        (true, PIPELINED_REQUESTS.to_vec()),
        (
            true,
            b"POST /u HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n0\r\nX-T: 1\r\n\r\nGET / HTTP/1.1\r\n\r\n".to_vec(),
        ),
        (
            true,
            b"CONNECT h:443 HTTP/1.1\r\nProxy-Authorization: Basic dXNlcjpwYXNz\r\n\r\nGET / HTTP/1.1\r\n\r\n".to_vec(),
        ),
        (
            false,
            b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\nHTTP/1.0 200 OK\r\n\r\nrest".to_vec(),
        ),
        (
            false,
            b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloHTTP/1.1 304 Not Modified\r\n\r\nHTTP/1.1 101 Switching Protocols\r\n\r\n\x81\x00".to_vec(),
        ),
        (true, unhex(GET_PCAP_REQUEST)),
    ];
    let head: Vec<u8> = unhex(GET_PCAP_RESPONSE[0]).into_iter().take(400).collect();
    c.push((false, head));
    c
}

const TOKENS: &[&[u8]] = &[
    b"\r\n",
    b"\n",
    b"\r",
    b"\r\n\r\n",
    b" ",
    b":",
    b";",
    b",",
    b"0\r\n\r\n",
    b"ffffffffffffffffff\r\n",
    b"Content-Length: 4\r\n",
    b"Content-Length: 18446744073709551616\r\n",
    b"Transfer-Encoding: chunked\r\n",
    b"Transfer-Encoding: gzip\r\n",
    b"Upgrade: x\r\n",
    b"GET / HTTP/1.1\r\n",
    b"CONNECT ",
    b"HTTP/1.1 200 OK\r\n",
    b"HTTP/1.1 101 x\r\n",
    b"HTTP/1.",
    b"Authorization: Basic ",
    b"=",
    b" \t",
];

fn mutate(rng: &mut XorShift, base: &[u8]) -> Vec<u8> {
    let mut v = base.to_vec();
    for _ in 0..1 + rng.below(4) {
        let at = rng.below(v.len() + 1);
        match rng.below(7) {
            0 if at < v.len() => v[at] ^= 1 << rng.below(8),
            1 if at < v.len() => v[at] = rng.next() as u8,
            2 => v.truncate(at),
            3 => {
                let n = rng.below(8);
                let junk = rng.bytes(n);
                v.splice(at..at, junk);
            }
            4 => {
                let token = TOKENS[rng.below(TOKENS.len())];
                v.splice(at..at, token.iter().copied());
            }
            5 => {
                let end = (at + rng.below(32)).min(v.len());
                let copy = v[at..end].to_vec();
                v.splice(at..at, copy);
            }
            _ => {
                let end = (at + rng.below(16)).min(v.len());
                v.drain(at..end);
            }
        }
    }
    v
}

/// Random chunk boundaries (no gaps) for `data`.
fn random_chunks<'a>(rng: &mut XorShift, data: &'a [u8]) -> Vec<&'a [u8]> {
    let mut chunks = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (a, b) = rest.split_at(1 + rng.below(rest.len().min(64)));
        chunks.push(a);
        rest = b;
    }
    chunks
}

/// Feeds `data` with random splits, gaps and method hints; the parser must
/// not panic, must keep heads and body ends paired, and cannot produce more
/// events than there are bytes and gaps.
fn feed_chaotically(rng: &mut XorShift, client: bool, data: &[u8]) {
    let mut p = if client {
        StreamParser::client()
    } else {
        StreamParser::server()
    };
    let mut out = Vec::new();
    let mut rest = data;
    let mut gaps = 0;
    while !rest.is_empty() {
        match rng.below(10) {
            0 => {
                p.gap(rng.below(64) as u64);
                gaps += 1;
            }
            1 => p.set_request_method(["GET", "HEAD", "CONNECT", "POST"][rng.below(4)]),
            _ => {}
        }
        let (a, b) = rest.split_at(1 + rng.below(rest.len()));
        out.extend(p.feed(a));
        rest = b;
    }
    out.extend(p.finish());
    check_pairing(&out, true);
    assert!(out.len() <= 2 * (data.len() + gaps) + 2, "{out:?}");
}

#[test]
fn http_random_input_never_panics() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let starts: [&[u8]; 4] = [
        b"GET / HTTP/1.1\r\n",
        b"HTTP/1.1 200 OK\r\n",
        b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n",
    ];
    for i in 0..100_000 {
        let len = rng.below(300);
        let mut data = rng.bytes(len);
        // Most inputs start like a message so the later states get exercised.
        if i % 4 != 0 {
            data.splice(0..0, starts[rng.below(starts.len())].iter().copied());
        }
        feed_chaotically(&mut rng, i % 2 == 0, &data);
        let _ = looks_like_request(&data);
        let _ = parse_authorization(&data);
        let _ = base64_decode(&data);
        let _ = parse_chunk_size(&data);
    }
}

#[test]
fn http_mutated_streams_never_panic_and_split_invariant() {
    let mut rng = XorShift(0xdead_beef_cafe_f00d);
    let corpus = corpus();
    for i in 0..100_000 {
        let (client, base) = &corpus[i % corpus.len()];
        let m = mutate(&mut rng, base);
        feed_chaotically(&mut rng, *client, &m);
        let make = if *client {
            StreamParser::client
        } else {
            StreamParser::server
        };
        let methods = [["GET", "HEAD", "CONNECT"][rng.below(3)], "GET"];
        let whole = run(make, &methods, &[&m]);
        let chunks = random_chunks(&mut rng, &m);
        assert_eq!(run(make, &methods, &chunks), whole, "{m:?}");
        check_pairing(&whole, true);
        if *client {
            let _ = looks_like_request(&m);
        }
    }
}

// ---- capture: Zeek's traces/http/get.pcap ----
// TCP payloads of the one connection in Zeek's test trace `traces/http/get.pcap`
// (141.142.228.5:59856 -> 192.150.187.43:80), extracted with
// `tshark -r get.pcap -q -z follow,tcp,raw,0`. Expected values from Zeek's
// baseline `core.tcp.reassembly-known-ports/http.log`: GET bro.org
// /download/CHANGES.bro-aux.txt, version 1.1, user agent
// `Wget/1.14 (darwin12.2.0)`, request body 0, response 200 OK with 4705 body bytes.

/// Frame 4, client -> server: the request (136 bytes).
const GET_PCAP_REQUEST: &str = concat!(
    "474554202f646f776e6c6f61642f4348414e4745532e62726f2d6175782e74787420485454502f312e310d0a55736572",
    "2d4167656e743a20576765742f312e3134202864617277696e31322e322e30290d0a4163636570743a202a2f2a0d0a48",
    "6f73743a2062726f2e6f72670d0a436f6e6e656374696f6e3a204b6565702d416c6976650d0a0d0a",
);

/// Frames 6-9, server -> client: the response, one string per TCP segment
/// (1448, 1448, 1448 and 663 bytes).
const GET_PCAP_RESPONSE: [&str; 4] = [
    concat!(
        "485454502f312e3120323030204f4b0d0a446174653a205468752c203037204d617220323031332032313a34333a3037",
        "20474d540d0a5365727665723a204170616368652f322e342e3320284665646f7261290d0a4c6173742d4d6f64696669",
        "65643a205765642c2032392041756720323031322032333a34393a323720474d540d0a455461673a2022313236312d34",
        "633837303335386136666330220d0a4163636570742d52616e6765733a2062797465730d0a436f6e74656e742d4c656e",
        "6774683a20343730350d0a4b6565702d416c6976653a2074696d656f75743d352c206d61783d3130300d0a436f6e6e65",
        "6374696f6e3a204b6565702d416c6976650d0a436f6e74656e742d547970653a20746578742f706c61696e3b20636861",
        "727365743d5554462d380d0a0d0a0a302e3236207c20323031322d30382d32342031353a31303a3034202d303730300a",
        "0a20202a20466978696e67207570646174652d6368616e6765732c20776869636820636f756c64207069636b20746865",
        "2077726f6e6720636f6e74726f6c2066696c652e2028526f62696e20536f6d6d6572290a0a20202a20466978696e6720",
        "475047207369676e696e67207363726970742e2028526f62696e20536f6d6d6572290a0a302e3235207c20323031322d",
        "30382d30312031333a35353a3436202d303530300a0a20202a2046697820636f6e666967757265207363726970742074",
        "6f20657869742077697468206e6f6e2d7a65726f20737461747573206f6e206572726f7220284a6f6e20536977656b29",
        "0a0a302e3234207c20323031322d30372d30352031323a35303a3433202d303730300a0a20202a205261697365206d69",
        "6e696d756d20726571756972656420434d616b652076657273696f6e20746f20322e362e3320284a6f6e20536977656b",
        "290a0a20202a20416464696e672073637269707420746f2064656c657465206f6c642066756c6c792d6d657267656420",
        "6272616e636865732e2028526f62696e20536f6d6d6572290a0a302e32332d32207c20323031322d30312d3235203133",
        "3a32343a3031202d303830300a0a20202a2046697820612062726f2d637574206572726f72206d6573736167652e2028",
        "44616e69656c20546861796572290a0a302e3233207c20323031322d30312d31312031323a31363a3131202d30383030",
        "0a0a20202a20547765616b7320746f2072656c6561736520736372697074732c20706c75732061206e6577206f6e6520",
        "666f72207369676e696e672066696c65732e0a2020202028526f62696e20536f6d6d6572290a0a302e3232207c203230",
        "31322d30312d31302031363a34353a3139202d303830300a0a20202a20547765616b7320666f72204f70656e42534420",
        "737570706f72742e20284a6f6e20536977656b290a0a20202a2062726f2d63757420657874656e73696f6e7320616e64",
        "2066697865732e202028526f62696e20536f6d6d6572290a202020200a202020202d204966206e6f206669656c64206e",
        "616d65732061726520676976656e206f6e2074686520636f6d6d616e64206c696e652c207765206e6f77207061737320",
        "7468726f7567680a202020202020616c6c206669656c64732e20416472657373657320233635372e0a0a202020202d20",
        "52656d6f76696e6720736f6d6520474e5569736d2066726f6d2061776b207363726970742e2041646472657373657320",
        "233635332e0a0a202020202d204164646564206f7074696f6e20666f722074696d65206f757470757420696e20555443",
        "2e2041646472657373657320233636382e0a0a202020202d204164646564206f7574707574206669656c642073657061",
        "7261746f72206f7074696f6e202d462e2041646472657373657320233634392e0a0a202020202d20466978696e67206f",
        "7074696f6e202d633a206f6e6c7920736f6d6520686561646572206c696e657320776572652070617373656420746872",
        "6f7567680a202020",
    ),
    concat!(
        "202020726174686572207468616e20616c6c2e2028526f62696e20536f6d6d6572290a0a20202a204669782070617261",
        "6c6c656c206d616b6520706f72746162696c6974792e20284a6f6e20536977656b290a0a302e32312d39207c20323031",
        "312d31312d30372030353a34343a3134202d303830300a0a20202a20466978696e6720636f6d70696c6572207761726e",
        "696e67732e2041646472657373657320233338382e20284a6f6e20536977656b290a0a302e32312d32207c2032303131",
        "2d31312d30322031383a31323a3133202d303730300a0a20202a2046697820666f72206d69736e616d696e672074656d",
        "702066696c6520696e207570646174652d6368616e676573207363726970742e2028526f62696e20536f6d6d6572290a",
        "0a302e32312d31207c20323031312d31312d30322031383a31303a3339202d303730300a0a20202a204c6974746c6520",
        "66697820666f72206d616b652d72656c65617365207363726970742c20776869636820636f756c64207069636b206f75",
        "74207468652077726f6e670a202020207461672e2028526f62696e20536f6d6d6572290a0a302e3231207c2032303131",
        "2d31302d32372031373a34303a3435202d303730300a0a20202a20466978696e672062726f2d63757427732075736167",
        "65206d65737361676520616e6420617267756d656e74206572726f722068616e646c696e672e2028526f62696e20536f",
        "6d6d6572290a0a20202a2042756766697820696e207570646174652d6368616e676573207363726970742e2028526f62",
        "696e20536f6d6d6572290a0a20202a207570646174652d6368616e676573206e6f772069676e6f72657320636f6d6d69",
        "74732069742064696420697473656c662e2028526f62696e20536f6d6d6572290a0a20202a2046697820612062756720",
        "696e20746865207570646174652d6368616e676573207363726970742e2028526f62696e20536f6d6d6572290a0a2020",
        "2a2062726f2d637574206e6f7720616c7761797320696e7374616c6c7320746f20247072656669782f62696e20627920",
        "606d616b6520696e7374616c6c602e20284a6f6e20536977656b290a0a20202a204f7074696f6e7320746f2061646a75",
        "73742074696d6520666f726d617420666f722062726f2d6375742e2028526f62696e20536f6d6d6572290a0a20202020",
        "5468652064656661756c742077697468202d64206973206e6f772049534f20666f726d61742e20546865206e6577206f",
        "7074696f6e20222d44203c666d743e220a20202020737065636966696573206120637573746f6d207374726674696d65",
        "28292d7374796c6520666f726d617420737472696e672e20416c7465726e61746976656c792c0a202020207468652065",
        "6e7669726f6e6d656e74207661726961626c652042524f5f4355545f54494d45464d542063616e207365742074686520",
        "666f726d61742061730a2020202077656c6c2e0a0a20202a2062726f2d637574206e6f7720756e6465727374616e6473",
        "20746865206669656c6420736570617261746f72206865616465722e2028526f62696e20536f6d6d6572290a0a20202a",
        "2052656e616d696e67206f7074696f6e73202d682f2d48202d3e202d632f2d432c20616e6420646f696e6720736f6d65",
        "2067656e6572616c20636c65616e75702e0a0a302e32207c20323031312d31302d32352031393a35333a3537202d3037",
        "30300a0a20202a20416464696e6720737570706f727420666f72207265706c6163696e672076657273696f6e20737472",
        "696e6720696e20612073657475702e70792e2028526f62696e0a20202020536f6d6d6572290a0a20202a204368616e67",
        "652067656e65726174656420726f6f74206365727420444e20696e646963657320666f726d617420666f722052464332",
        "3235330a20202020636f6d706c69616e63652e20284a6f6e20536977656b290a0a20202a204e657720746f6f6c206465",
        "76656c2d746f6f6c",
    ),
    concat!(
        "732f636865636b2d72656c6561736520746f2072756e206265666f7265206d616b696e672072656c65617365732e0a20",
        "20202028526f62696e20536f6d6d6572290a0a20202a20646576656c2d746f6f6c732f7570646174652d6368616e6765",
        "7320676574732061206e6577206f7074696f6e202d6120746f20616d656e6420746f0a2020202070726576696f757320",
        "636f6d6d697420696620706f737369626c652e2044656661756c74206973206e6f77206e6f7420746f20287573656420",
        "746f206265207468650a202020206f70706f73697465292e2028526f62696e20536f6d6d6572290a0a20202a20436861",
        "6e6765204d6f7a696c6c6120747275737420726f6f742067656e65726174696f6e20746f20696e646578206365727473",
        "206279207375626a65637420444e2e20284a6f6e20536977656b290a0a20202a204368616e67652064697374636c6561",
        "6e20746f206f6e6c792072656d6f7665206275696c64206469722e20284a6f6e20536977656b290a0a20202a204d616b",
        "652064697374206e6f7720636c65616e732074686520636f7069656420736f7572636520284a6f6e20536977656b290a",
        "0a20202a20536d616c6c20747765616b20746f206d616b652d72656c6561736520666f7220666f72636564206769742d",
        "636c65616e2e20284a6f6e20536977656b290a0a20202a2046697820746f206e6f74206c657420757064617465732073",
        "637269707473206c6f6f73652074686569722065786563757461626c65207065726d697373696f6e732e0a2020202028",
        "526f62696e20536f6d6d6572290a0a20202a20646576656c2d746f6f6c732f7570646174652d6368616e676573206e6f",
        "77206c6f6f6b7320666f722061202772656c65617365272074616720746f0a202020206964656e666966792074686520",
        "737461626c652076657273696f6e2c20616e642027626574612720666f722074686520626574612076657273696f6e73",
        "2e0a2020202028526f62696e20536f6d6d6572292e0a0a20202a20446973747269627574696f6e20636c65616e75702e",
        "2028526f62696e20536f6d6d6572290a0a20202a204e65772073637269707420646576656c2d746f6f6c732f6d616b65",
        "2d72656c6561736520746f2063726561746520736f75726365207461722062616c6c732e0a2020202028526f62696e20",
        "536f6d6d6572290a0a20202a2052656d6f76696e672062646361742e205769746820746865206e6577206c6f6720666f",
        "726d61742c20746869732069736e277420766572792075736566756c0a20202020616e796d6f72652e2028526f62696e",
        "20536f6d6d6572290a0a20202a20416464696e672073637269707420746861742073686f777320616c6c2070656e6469",
        "6e672067697420666173747061746820636f6d6d6974732e2028526f62696e0a20202020536f6d6d6572290a0a20202a",
        "2053637269707420746f206d656173757265204350552074696d65206279206c6f6164696e6720616e20696e63726561",
        "73696e6720736574206f660a20202020736372697074732e2028526f62696e20536f6d6d6572290a0a20202a20657874",
        "726163742d636f6e6e20736372697074206e6f77206465616c7320776974202a2e677a2066696c65732e2028526f6269",
        "6e20536f6d6d6572290a0a20202a2054696e792075706461746520746f206f757470757420612076616c696420434120",
        "6c6973742066696c6520666f722053534c20636572740a2020202076616c69646174696f6e2e2028536574682048616c",
        "6c290a0a20202a20416464696e672022696e7374616c6c2d61757822207461726765742e204164647265737365732023",
        "3632322e20284a6f6e20536977656b290a0a20202a20446973747269627574696f6e20636c65616e75702e20284a6f6e",
        "20536977656b20616e6420526f62696e20536f6d6d6572290a0a20202a2046696e6450434150206e6f77206c696e6b73",
        "20616761696e7374",
    ),
    concat!(
        "20746872656164206c696272617279207768656e206e65636573736172792028652e672e0a2020202050465f52494e47",
        "2773206c6962706361702920284a6f6e20536977656b290a0a20202a20496e7374616c6c2062696e6172696573207769",
        "746820616e20525041544820284a6f6e20536977656b290a0a20202a20576f726b61726f756e6420666f722046726565",
        "42534420434d616b6520706f7274206d697373696e6720646562756720666c61677320284a6f6e20536977656b290a0a",
        "20202a2052657772697465206f6620746865207570646174652d6368616e676573207363726970742e2028526f62696e",
        "20536f6d6d6572290a0a302e312d31207c20323031312d30362d31342032313a31323a3431202d303730300a0a20202a",
        "2041646420612073637269707420666f722067656e65726174696e67204d6f7a696c6c612773204341206c6973742066",
        "6f72207468652053534c20616e616c797a65722e0a2020202028536574682048616c6c290a0a302e31207c2032303131",
        "2d30342d30312031363a32383a3232202d303730300a0a20202a20436f6e76657274696e67206275696c642070726f63",
        "65737320746f20434d616b652e20284a6f6e20536977656b290a0a20202a2052656d6f76696e672063662f68662f6361",
        "2d2a2066726f6d20646973747269627574696f6e2e2054686520524541444d45206861732061206e6f74652077686572",
        "650a20202020746f2066696e64207468656d206e6f772e2028526f62696e20536f6d6d6572290a0a20202a2047656e65",
        "72616c20636c65616e75702e2028526f62696e20536f6d6d6572290a0a20202a20496e697469616c20696d706f727420",
        "6f662062726f2f6175782066726f6d2053564e2072373038382e20284a6f6e20536977656b290a",
    ),
];
