//! TLS decryption on the captures of `samples/tls` (made by
//! `scripts/gen-tls-captures.sh`; `samples/tls/expected.txt` is what tshark
//! decrypts from them with the same keys): each HTTP request inside comes
//! out as an `~http` event with its URI, with the right keys only.

use std::path::PathBuf;
use std::sync::Arc;
use wirewatch_decrypt::keys::parse_keylog;
use wirewatch_decrypt::{AssignedKey, DecryptState, KeyRing, Outcome, RsaBudget, RsaKey, Source};
use wirewatch_sensor::capture::CaptureReader;
use wirewatch_sensor::Sensor;

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples/tls")
        .join(name)
}

fn key(name: &str, ports: Vec<u16>) -> AssignedKey {
    let pem = std::fs::read_to_string(sample(name)).unwrap();
    AssignedKey {
        key: RsaKey::from_pem(&pem).unwrap(),
        ports,
    }
}

fn keylog(name: &str) -> Vec<wirewatch_decrypt::KeylogEntry> {
    parse_keylog(&std::fs::read_to_string(sample(name)).unwrap()).unwrap()
}

/// (server port, URI, status, response body bytes) of an HTTP exchange.
type Exchange = (u16, String, Option<u16>, u64);

/// The HTTP exchanges, the decryption outcomes, and the sensor.
fn run(pcap: &str, ring: KeyRing) -> (Vec<Exchange>, Vec<Outcome>, Sensor) {
    run_with(pcap, ring, Arc::default())
}

/// [`run`] with this decryption state (RSA budget, resumption cache).
fn run_with(
    pcap: &str,
    ring: KeyRing,
    state: Arc<DecryptState>,
) -> (Vec<Exchange>, Vec<Outcome>, Sensor) {
    let mut r = CaptureReader::open(&sample(pcap)).unwrap();
    let mut s = Sensor::default();
    s.set_tls_keys(Arc::new(ring));
    s.set_tls_state(state);
    while let Ok(Some(p)) = r.next_packet() {
        s.packet(&p);
    }
    s.finish();
    let mut http: Vec<_> = s
        .out
        .http
        .iter()
        .map(|(e, h)| (e.server.1, h.uri.clone(), h.status, h.rsp_body_len))
        .collect();
    http.sort();
    let outcomes = std::mem::take(&mut s.out.tls_outcomes);
    (http, outcomes, s)
}

/// What tshark decrypted (`expected.txt`): (port, URI) lines of one capture.
fn expected(section: &str) -> Vec<(u16, String)> {
    expected_in("expected.txt", section)
}

/// The same from another file of expectations (`expected-resume.txt`…).
fn expected_in(file: &str, section: &str) -> Vec<(u16, String)> {
    let text = std::fs::read_to_string(sample(file)).unwrap();
    let mut out = Vec::new();
    let mut inside = false;
    for l in text.lines() {
        if let Some(h) = l.strip_prefix("# ") {
            inside = h.contains(section);
            continue;
        }
        if inside {
            let (p, u) = l.split_once('\t').unwrap();
            out.push((p.parse().unwrap(), u.to_string()));
        }
    }
    out.sort();
    assert!(!out.is_empty(), "{section} in expected.txt");
    out
}

fn uris(http: &[Exchange]) -> Vec<(u16, String)> {
    http.iter().map(|(p, u, _, _)| (*p, u.clone())).collect()
}

#[test]
fn rsa_key_exchange_gcm_cbc_and_encrypt_then_mac() {
    let k = key("server.key", vec![]);
    let id = k.key.id.clone();
    let (http, outcomes, mut s) = run("tls12-rsa.pcap", KeyRing::new(1, vec![k], vec![]));
    assert_eq!(uris(&http), expected("tls12-rsa.pcap"));
    for (port, uri, status, body) in &http {
        assert_eq!(*status, Some(200), "{port} {uri}");
        assert!(*body > 40, "{port} {uri}: {body} bytes");
    }
    assert_eq!(outcomes, vec![Outcome::Decrypted(Source::Key(id)); 3]);
    // The master secrets worked out, as key log lines (one per session).
    assert_eq!(s.out.session_keys.len(), 3);
    // The flows stay `ssl`; the `~ssl_open` events are still there.
    assert_eq!(s.out.tls.len(), 3);
    let flows = std::mem::take(&mut s.out.flows);
    assert!(flows.iter().all(|f| f.service == Some("ssl")), "{flows:?}");
}

#[test]
fn the_session_keys_worked_out_decrypt_as_a_key_log() {
    let (_, _, s) = run(
        "tls12-rsa.pcap",
        KeyRing::new(1, vec![key("server.key", vec![])], vec![]),
    );
    let log: Vec<_> = s.out.session_keys.iter().map(|(_, e)| e.clone()).collect();
    let (http, outcomes, _) = run("tls12-rsa.pcap", KeyRing::new(2, vec![], log));
    assert_eq!(uris(&http), expected("tls12-rsa.pcap"));
    assert_eq!(outcomes, vec![Outcome::Decrypted(Source::Keylog); 3]);
}

#[test]
fn without_the_key_nothing_and_a_wrong_key_fails() {
    // No keys at all: no decryption is attempted.
    let (http, outcomes, _) = run("tls12-rsa.pcap", KeyRing::default());
    assert!(http.is_empty() && outcomes.is_empty());
    // Another key, assigned to no port: the certificate is not its own, it is not tried.
    let (http, outcomes, _) = run(
        "tls12-rsa.pcap",
        KeyRing::new(1, vec![key("wrong.key", vec![])], vec![]),
    );
    assert!(http.is_empty());
    assert_eq!(outcomes, vec![Outcome::NoKey; 3]);
    // Assigned to the servers' ports: tried, and it fails.
    let wrong = key("wrong.key", vec![4431, 4432, 4433]);
    let id = wrong.key.id.clone();
    let (http, outcomes, _) = run("tls12-rsa.pcap", KeyRing::new(1, vec![wrong], vec![]));
    assert!(http.is_empty());
    assert_eq!(outcomes.len(), 3);
    for o in outcomes {
        assert!(
            matches!(&o, Outcome::Failed(Some(Source::Key(k)), _) if *k == id),
            "{o:?}"
        );
    }
}

#[test]
fn ecdhe_with_the_key_log_and_not_with_the_rsa_key() {
    let (http, outcomes, _) = run(
        "tls12-ecdhe.pcap",
        KeyRing::new(1, vec![], keylog("tls12-ecdhe.keylog")),
    );
    assert_eq!(uris(&http), expected("tls12-ecdhe.pcap"));
    assert_eq!(outcomes, vec![Outcome::Decrypted(Source::Keylog); 2]);
    let (http, outcomes, _) = run(
        "tls12-ecdhe.pcap",
        KeyRing::new(1, vec![key("server.key", vec![])], vec![]),
    );
    assert!(http.is_empty());
    assert_eq!(outcomes, vec![Outcome::NoKey; 2]);
}

#[test]
fn tls13_aes_gcm_and_chacha20_with_the_key_log() {
    let (http, outcomes, _) = run(
        "tls13.pcap",
        KeyRing::new(1, vec![], keylog("tls13.keylog")),
    );
    assert_eq!(uris(&http), expected("tls13.pcap"), "{outcomes:?}");
    assert_eq!(outcomes, vec![Outcome::Decrypted(Source::Keylog); 3]);
    // The application secrets alone (no handshake secrets) still decrypt the requests.
    let only_app: Vec<_> = keylog("tls13.keylog")
        .into_iter()
        .filter(|e| e.label.as_str().ends_with("TRAFFIC_SECRET_0"))
        .collect();
    let (http, _, _) = run("tls13.pcap", KeyRing::new(1, vec![], only_app));
    assert_eq!(uris(&http), expected("tls13.pcap"));
    // A damaged secret: every session fails, none decrypts.
    let mut bad = keylog("tls13.keylog");
    for e in &mut bad {
        e.secret[0] ^= 1;
    }
    let (http, outcomes, _) = run("tls13.pcap", KeyRing::new(1, vec![], bad));
    assert!(http.is_empty());
    assert_eq!(outcomes.len(), 3);
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, Outcome::Failed(Some(Source::Keylog), _))),
        "{outcomes:?}"
    );
}

#[test]
fn the_key_id_is_the_sha1_of_the_public_key() {
    // `openssl pkey -in server.key -pubout -outform DER | sha1sum`, computed here by openssl.
    let out = std::process::Command::new("sh")
        .arg("-c")
        .arg(format!(
            "openssl pkey -in {} -pubout -outform DER | openssl dgst -sha1 -r",
            sample("server.key").display()
        ))
        .output()
        .expect("openssl runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let want = text.split_whitespace().next().unwrap_or_default();
    assert_eq!(want.len(), 40, "openssl printed {text:?}");
    assert_eq!(key("server.key", vec![]).key.id, want);
}

#[test]
fn tls12_sessions_resumed_by_session_id_and_by_ticket_reuse_the_rsa_master_secret() {
    let k = key("server.key", vec![]);
    let id = k.key.id.clone();
    let state = Arc::new(DecryptState::default());
    let (http, outcomes, s) = run_with(
        "tls12-resume.pcap",
        KeyRing::new(1, vec![k], vec![]),
        state.clone(),
    );
    let want = expected_in("expected-resume.txt", "tls12-resume.pcap");
    assert_eq!(want.len(), 4);
    assert_eq!(uris(&http), want, "{outcomes:?}");
    assert_eq!(outcomes, vec![Outcome::Decrypted(Source::Key(id)); 4]);
    // Two full handshakes: two RSA operations; the resumed ones need none.
    assert_eq!(state.rsa.ops(), 2);
    // The session id and the tickets (one per full handshake, one per resumption).
    assert!(state.resumption.len() >= 3, "{}", state.resumption.len());
    // Every session's master secret as a key log line, resumed ones included.
    assert_eq!(s.out.session_keys.len(), 4);
    // A key that does not open the full handshakes: nothing is learned,
    // and the resumptions, with no secret to reuse, are not decrypted.
    let (http, outcomes, _) = run_with(
        "tls12-resume.pcap",
        KeyRing::new(1, vec![key("wrong.key", vec![4436, 4437])], vec![]),
        Arc::default(),
    );
    assert!(http.is_empty(), "{http:?}");
    assert_eq!(outcomes.len(), 4, "{outcomes:?}");
    assert!(
        outcomes.iter().all(|o| !matches!(o, Outcome::Decrypted(_))),
        "{outcomes:?}"
    );
}

#[test]
fn a_resumed_ecdhe_session_reuses_the_key_logs_master_secret() {
    // The key log has the full handshake's line only (no line for the resumption).
    let log = keylog("tls12-resume-ecdhe.keylog");
    assert_eq!(log.len(), 1);
    let (http, outcomes, s) = run("tls12-resume-ecdhe.pcap", KeyRing::new(1, vec![], log));
    assert_eq!(
        uris(&http),
        expected_in("expected-resume.txt", "tls12-resume-ecdhe.pcap"),
        "{outcomes:?}"
    );
    assert_eq!(outcomes, vec![Outcome::Decrypted(Source::Keylog); 2]);
    // The resumed session's line, worked out: the one the client logged.
    let all = keylog("tls12-resume-ecdhe-all.keylog");
    assert_eq!(s.out.session_keys.len(), 1);
    assert_eq!(s.out.session_keys[0].1, all[1]);
}

#[test]
fn tls13_psk_resumption_and_0rtt_early_data_with_the_key_log() {
    let (http, outcomes, _) = run(
        "tls13-resume.pcap",
        KeyRing::new(1, vec![], keylog("tls13-resume.keylog")),
    );
    assert_eq!(
        uris(&http),
        expected_in("expected-resume.txt", "tls13-resume.pcap"),
        "{outcomes:?}"
    );
    assert_eq!(outcomes, vec![Outcome::Decrypted(Source::Keylog); 2]);
    // 0-RTT: the second connection's request is early data.
    let log = keylog("tls13-early.keylog");
    assert!(log
        .iter()
        .any(|e| e.label.as_str() == "CLIENT_EARLY_TRAFFIC_SECRET"));
    let (http, outcomes, _) = run("tls13-early.pcap", KeyRing::new(1, vec![], log.clone()));
    assert_eq!(
        uris(&http),
        expected_in("expected-early.txt", "tls13-early.pcap"),
        "{outcomes:?}"
    );
    for (port, uri, status, body) in &http {
        assert_eq!(*status, Some(200), "{port} {uri}");
        assert_eq!(*body, 45, "{port} {uri}");
    }
    // Without the early secret the early request is not seen (the rest is).
    let no_early: Vec<_> = log
        .into_iter()
        .filter(|e| e.label.as_str() != "CLIENT_EARLY_TRAFFIC_SECRET")
        .collect();
    let (http, _, _) = run("tls13-early.pcap", KeyRing::new(1, vec![], no_early));
    let got = uris(&http);
    assert!(got.iter().all(|(_, u)| u != "/early-data.html"), "{got:?}");
    assert!(got.iter().any(|(_, u)| u == "/early-full.html"), "{got:?}");
}

#[test]
fn a_flood_of_crafted_key_exchanges_is_held_to_the_rsa_budget() {
    // tls12-rsa-flood.pcap: the 3 sessions of tls12-rsa.pcap, then 100
    // crafted handshakes whose ClientKeyExchange is random bytes.
    let k = key("server.key", vec![]);
    let id = k.key.id.clone();
    // 1 a second, 10 at once: the test is over long before 10 more tokens.
    let state = Arc::new(DecryptState::new(RsaBudget::new(1, 10)));
    let started = std::time::Instant::now();
    let (http, outcomes, _) = run_with(
        "tls12-rsa-flood.pcap",
        KeyRing::new(1, vec![k], vec![]),
        state.clone(),
    );
    let refill = started.elapsed().as_secs() + 1;
    // The legitimate sessions, under the budget, decrypt.
    assert_eq!(uris(&http), expected("tls12-rsa.pcap"));
    let decrypted = outcomes
        .iter()
        .filter(|o| **o == Outcome::Decrypted(Source::Key(id.clone())))
        .count();
    assert_eq!(decrypted, 3);
    let failed = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Failed(Some(Source::Key(_)), _)))
        .count() as u64;
    let over = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::OverBudget(k) if *k == id))
        .count() as u64;
    assert_eq!(outcomes.len(), 103, "{outcomes:?}");
    // One operation per handshake, and no more than the bucket held.
    assert_eq!(state.rsa.ops(), 3 + failed);
    assert!(state.rsa.ops() <= 10 + refill, "{}", state.rsa.ops());
    assert!(failed >= 7, "{failed}");
    assert_eq!(state.rsa.dropped(), over);
    assert_eq!(failed + over, 100);
}

#[test]
fn one_rsa_operation_per_handshake_whatever_the_keys() {
    // Two keys for the ports, the wrong one first in the ring: one
    // operation per session (up to 8 keys used to be tried).
    let keys = vec![
        key("wrong.key", vec![4431, 4432, 4433]),
        key("server.key", vec![4431, 4432, 4433]),
    ];
    let state = Arc::new(DecryptState::default());
    let (http, _, _) = run_with(
        "tls12-rsa.pcap",
        KeyRing::new(1, keys, vec![]),
        state.clone(),
    );
    // The certificate's key is tried (it comes first), and only it.
    assert_eq!(uris(&http), expected("tls12-rsa.pcap"));
    assert_eq!(state.rsa.ops(), 3);
    // The crafted sessions have no certificate: both keys are the port's,
    // and each handshake asks the budget once (for one operation), not twice.
    let keys = vec![key("wrong.key", vec![4431]), key("server.key", vec![4431])];
    let state = Arc::new(DecryptState::new(RsaBudget::new(1, 5)));
    run_with(
        "tls12-rsa-flood.pcap",
        KeyRing::new(1, keys, vec![]),
        state.clone(),
    );
    assert_eq!(state.rsa.ops() + state.rsa.dropped(), 103);
}
