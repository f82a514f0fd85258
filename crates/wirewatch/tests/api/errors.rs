//! Errors answered outside the router, in the API's JSON form: bodies
//! refused from their headers, malformed framing and requests hyper cannot
//! parse (the listener). The router's own errors are tested in-process in
//! `crates/wirewatch-api/tests/routes/errors.rs`.

use crate::common::*;

#[test]
fn oversized_bodies_are_refused() {
    use std::io::{Read, Write};
    let s = Server::start();
    let id = s.detection(det("port_scan", "10.0.0.1", "10.0.0.2"));
    // Announce a 9 MiB body and send none of it: the server answers from the headers.
    let addr = s.url.trim_start_matches("http://");
    let mut sock = std::net::TcpStream::connect(addr).unwrap();
    write!(
        sock,
        "PUT /api/v1/detections/{id}/notes HTTP/1.1\r\nHost: {addr}\r\nAuthorization: ExtraHop apikey={}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{{\"note\": \"",
        s.key,
        9 * 1024 * 1024
    )
    .unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    let mut buf = Vec::new();
    let _ = sock.read_to_end(&mut buf);
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("\"detail\""), "{text}");
}

/// A raw request over a fresh connection; the whole answer as text.
fn raw_http(s: &Server, head_and_body: &[u8]) -> String {
    use std::io::{Read, Write};
    let addr = s.url.trim_start_matches("http://");
    let mut sock = std::net::TcpStream::connect(addr).unwrap();
    sock.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    sock.write_all(head_and_body).unwrap();
    let mut buf = Vec::new();
    let _ = sock.read_to_end(&mut buf);
    String::from_utf8_lossy(&buf).into_owned()
}

fn json_body(answer: &str) -> serde_json::Value {
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or("");
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {answer}"))
}

#[test]
fn malformed_body_framing_is_a_json_error() {
    let s = Server::start();
    // A chunked body whose chunk size is not hexadecimal.
    let req = format!(
        "POST /api/v1/detections/search HTTP/1.1\r\nHost: x\r\nAuthorization: ExtraHop apikey={}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nZZ\r\n{{}}\r\n0\r\n\r\n",
        s.key
    );
    let answer = raw_http(&s, req.as_bytes());
    assert!(answer.starts_with("HTTP/1.1 400"), "{answer}");
    assert!(json_body(&answer)["error_message"].is_string(), "{answer}");
}

#[test]
fn requests_http_cannot_parse_are_answered_in_json() {
    let s = Server::start();
    for (req, status) in [
        (
            b"GET /api/v1/extrahop HTTP/1.1\r\nHost x\r\n\r\n".to_vec(),
            "400",
        ),
        (b"G@T / HTTP/1.1\r\n\r\n".to_vec(), "400"),
        (
            [
                b"GET /".to_vec(),
                vec![b'a'; 70_000],
                b" HTTP/1.1\r\n\r\n".to_vec(),
            ]
            .concat(),
            "414",
        ),
    ] {
        let answer = raw_http(&s, &req);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status}")),
            "{answer}"
        );
        let body = json_body(&answer);
        assert!(
            body["error_message"].as_str().unwrap().contains(status),
            "{answer}"
        );
        assert_eq!(body["type"], "invalid_request");
    }
    // The server is unharmed and well-formed requests are untouched.
    assert_eq!(s.get("/api/v1/extrahop").status, 200);
    assert_eq!(s.get("/api/v1/detections/77").status, 404);
}
