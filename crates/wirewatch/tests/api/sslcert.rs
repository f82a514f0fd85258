//! `/extrahop/sslcert` against a real HTTPS server: a regenerated or
//! replaced certificate is what the next TLS connection is served (checked
//! by handshakes that trust only that certificate or its CA), and a signing
//! request is a real PKCS #10 request (read back with `openssl req`) whose
//! certificate, signed by a CA with `openssl x509 -req`, can be uploaded
//! without its key.

use crate::common::*;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::json;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

/// Whether a TLS handshake with the server succeeds when only `root_pem`
/// (a PEM certificate) is trusted, for `name`; a request is sent and an
/// HTTP answer read, so the connection really works.
fn handshake_trusting(addr: &str, root_pem: &str, name: &str) -> Result<(), String> {
    let mut roots = rustls::RootCertStore::empty();
    for c in CertificateDer::pem_slice_iter(root_pem.as_bytes()) {
        roots.add(c.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let tcp = TcpStream::connect(addr).unwrap();
    tcp.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let conn = rustls::ClientConnection::new(
        Arc::new(config),
        ServerName::try_from(name.to_string()).unwrap(),
    )
    .unwrap();
    let mut tls = rustls::StreamOwned::new(conn, tcp);
    tls.write_all(b"GET /api/v1/extrahop/version HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    tls.read_to_end(&mut out).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&out);
    if text.starts_with("HTTP/1.1 200") {
        Ok(())
    } else {
        Err(text.into_owned())
    }
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn sha256_of_pem(pem: &str) -> String {
    use sha2::Digest;
    let der = CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()
        .unwrap()
        .unwrap();
    hex::encode(sha2::Sha256::digest(der.as_ref()))
}

/// A CA, and a certificate for `names` it signs: (ca PEM, cert PEM, key PEM).
fn ca_signed(names: &[&str]) -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "wirewatch test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf =
        rcgen::CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>())
            .unwrap()
            .signed_by(&key, &ca_cert, &ca_key)
            .unwrap();
    (ca_cert.pem(), leaf.pem(), key.serialize_pem())
}

#[test]
fn a_regenerated_certificate_is_served_to_the_next_connection() {
    let s = Server::start_with(true);
    let addr = s.addr();
    let old = read(&s.data_dir(), "tls-cert.pem");
    handshake_trusting(&addr, &old, "localhost").expect("the first certificate is served");
    let r = s.post("/api/v1/extrahop/sslcert", json!({}));
    assert_eq!(r.status, 200, "{}", r.text);
    let new = read(&s.data_dir(), "tls-cert.pem");
    assert_ne!(old, new);
    assert_eq!(r.body["sha256"], sha256_of_pem(&new));
    // It was a job (ExtraHop names it in `Location`), done by the answer.
    let loc = r.headers.get("location").unwrap().to_str().unwrap();
    let job = s.get(loc);
    assert_eq!(job.status, 200, "{}", job.text);
    assert_eq!(job.body["type"], "sslcert_regenerate");
    assert_eq!(job.body["status"], "done");
    assert_eq!(job.body["step_number"], job.body["total_steps"]);
    assert!(
        job.body["details"]
            .as_str()
            .unwrap()
            .contains(r.body["sha256"].as_str().unwrap()),
        "{}",
        job.text
    );
    handshake_trusting(&addr, &new, "localhost").expect("the new certificate is served");
    assert!(handshake_trusting(&addr, &old, "localhost").is_err());
    // The change was audited, and a restart keeps the new certificate.
    let log = s.get("/api/v1/auditlog").body;
    assert!(
        log.to_string().contains("regenerate TLS certificate"),
        "{log}"
    );
}

#[test]
fn a_replaced_certificate_and_key_are_served_without_a_restart() {
    let s = Server::start_with(true);
    let addr = s.addr();
    let pid = s.pid();
    let (ca, cert, key) = ca_signed(&["localhost", "sensor.test"]);
    assert!(handshake_trusting(&addr, &ca, "sensor.test").is_err());
    let body = format!("{cert}{key}");
    let r = s.send_raw(
        "PUT",
        "/api/v1/extrahop/sslcert",
        Some(body.as_bytes()),
        "text/plain",
        Some(&format!("ExtraHop apikey={}", s.key)),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["sha256"], sha256_of_pem(&cert));
    handshake_trusting(&addr, &ca, "sensor.test").expect("the CA's certificate is served");
    assert_eq!(s.pid(), pid);
    // Bad input: a key that does not go with the certificate, and no certificate.
    let (_, _, other_key) = ca_signed(&["localhost"]);
    let mismatched = format!("{cert}{other_key}");
    let r = s.send_raw(
        "PUT",
        "/api/v1/extrahop/sslcert",
        Some(mismatched.as_bytes()),
        "text/plain",
        Some(&format!("ExtraHop apikey={}", s.key)),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert!(r.text.contains("does not go with"), "{}", r.text);
    let r = s.call(
        "PUT",
        "/api/v1/extrahop/sslcert",
        Some(json!("not a certificate")),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["field"], "body");
    // Still the replaced certificate.
    handshake_trusting(&addr, &ca, "sensor.test").unwrap();
}

fn openssl(args: &[&str], dir: &Path) -> String {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_signing_request_is_real_and_its_certificate_is_uploaded_without_the_key() {
    let s = Server::start_with(true);
    let addr = s.addr();
    let r = s.post(
        "/api/v1/extrahop/sslcert/signingrequest",
        json!({
            "subject": {"common_name": "sensor1.example.com", "organization_name": "Example Org",
                        "country_code": "US", "organizational_unit_name": "SOC",
                        "email_address": "soc@example.com"},
            "subject_alternative_names": [{"type": "dns", "name": "sensor1.example.com"},
                                          {"type": "ip", "name": "192.0.2.10"}]
        }),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let csr = r.body["csr"].as_str().unwrap().to_string();
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("req.pem"), &csr).unwrap();
    let text = openssl(
        &["req", "-in", "req.pem", "-noout", "-text", "-verify"],
        work.path(),
    );
    for want in [
        "CN = sensor1.example.com",
        "O = Example Org",
        "C = US",
        "OU = SOC",
        "emailAddress = soc@example.com",
        "DNS:sensor1.example.com",
        "IP Address:192.0.2.10",
    ] {
        assert!(text.contains(want), "{want} not in:\n{text}");
    }
    // One SAN object (not an array) is accepted, as the seed's example shows it.
    let r = s.post(
        "/api/v1/extrahop/sslcert/signingrequest",
        json!({"subject": {"common_name": "a"}, "subject_alternative_names": {"type": "dns", "name": "a.example"}}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    let r = s.post(
        "/api/v1/extrahop/sslcert/signingrequest",
        json!({"subject": {"common_name": "a"}, "subject_alternative_names": [{"type": "uri", "name": "x"}]}),
    );
    assert_eq!(r.status, 400, "{}", r.text);
    assert_eq!(r.body["field"], "subject_alternative_names[0].type");
    let r = s.post(
        "/api/v1/extrahop/sslcert/signingrequest",
        json!({"subject": {"common_name": "a", "country_code": "USA"}}),
    );
    assert_eq!(r.body["field"], "subject.country_code", "{}", r.text);
    // The first request's key was replaced by the last request's: ask again
    // for the name we sign.
    let r = s.post(
        "/api/v1/extrahop/sslcert/signingrequest",
        json!({"subject": {"common_name": "sensor1.example.com"},
               "subject_alternative_names": [{"type": "dns", "name": "sensor1.example.com"}]}),
    );
    assert_eq!(r.status, 200, "{}", r.text);
    std::fs::write(work.path().join("req.pem"), r.body["csr"].as_str().unwrap()).unwrap();
    // A CA signs it (openssl), and the certificate alone is uploaded.
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "signing CA");
    let ca_cert = ca_params.self_signed(&ca_key).unwrap();
    std::fs::write(work.path().join("ca.pem"), ca_cert.pem()).unwrap();
    std::fs::write(work.path().join("ca.key"), ca_key.serialize_pem()).unwrap();
    openssl(
        &[
            "x509",
            "-req",
            "-in",
            "req.pem",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "30",
            "-copy_extensions",
            "copyall",
            "-out",
            "cert.pem",
        ],
        work.path(),
    );
    let cert = std::fs::read_to_string(work.path().join("cert.pem")).unwrap();
    let r = s.call("PUT", "/api/v1/extrahop/sslcert", Some(json!(cert)));
    assert_eq!(r.status, 200, "{}", r.text);
    handshake_trusting(&addr, &ca_cert.pem(), "sensor1.example.com")
        .expect("the CA-signed certificate is served with the request's key");
    assert!(!s.data_dir().join("tls-csr-key.pem").exists());
    // The key was kept: the certificate alone is accepted again (the current key).
    let r = s.call("PUT", "/api/v1/extrahop/sslcert", Some(json!(cert)));
    assert_eq!(r.status, 200, "{}", r.text);
}

#[test]
fn without_tls_the_certificate_operations_answer_501() {
    let s = Server::start();
    for (m, p) in [
        ("POST", "/api/v1/extrahop/sslcert"),
        ("PUT", "/api/v1/extrahop/sslcert"),
    ] {
        let r = s.call(m, p, Some(json!("x")));
        assert_eq!(r.status, 501, "{m} {p}: {}", r.text);
    }
}

#[test]
fn processes_are_read_from_proc_and_ods_delivery_restarts() {
    let s = Server::start();
    let r = s.get("/api/v1/extrahop/processes");
    assert_eq!(r.status, 200, "{}", r.text);
    let rows = r.body.as_array().unwrap();
    let me = rows.iter().find(|p| p["process"] == "wirewatch").unwrap();
    // The process's own figures, as /proc/PID says.
    let status = std::fs::read_to_string(format!("/proc/{}/status", s.pid())).unwrap();
    let threads: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("Threads:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let got = me["threads"].as_u64().unwrap();
    assert!(
        got.abs_diff(threads) <= 2,
        "{got} threads, /proc says {threads}"
    );
    assert!(me["mem_res"].as_u64().unwrap() > 1_000_000);
    assert!(rows.iter().any(|p| p["process"] == "store"));
    assert!(rows.iter().any(|p| p["process"] == "runtime"));
    let ex = rows.iter().find(|p| p["process"] == "exremote").unwrap();
    assert_eq!(ex["can_restart"], true);
    let r = s.post("/api/v1/extrahop/processes/exremote/restart", json!({}));
    assert_eq!(r.status, 204, "{}", r.text);
    let r = s.post("/api/v1/extrahop/processes/excap/restart", json!({}));
    assert_eq!(r.status, 501, "{}", r.text);
    let r = s.post("/api/v1/extrahop/processes/nothing/restart", json!({}));
    assert_eq!(r.status, 404, "{}", r.text);
}
