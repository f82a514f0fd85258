//! The web app end to end: a real `wirewatch serve` (TLS) on a temporary
//! data directory with the sample captures analysed, driven through real
//! Chromium (`chromedriver`, WebDriver): log in, filter detections, open a
//! card, triage it, write a note, follow the ticket link (a new tab, the
//! right URL, no referrer), hide similar detections, bulk actions, a stored
//! XSS attempt shown as text, log out and be refused. Screenshots of each
//! step go to `target/webapp-screenshots/`.
//!
//! The Devices and Records pages have their own test ([`pages`]), and so do
//! the Tickets pages ([`tickets`]) and the Settings pages ([`settings`]).
//!
//! Needs `chromium` and `chromium-driver` (scripts/install-test-deps.sh).

#[allow(dead_code, unused_imports)]
#[path = "../api/common.rs"]
mod common;
mod pages;
#[allow(dead_code)]
#[path = "../api/receiver.rs"]
mod receiver;
mod security;
mod settings;
mod tickets;
mod webdriver;

use common::*;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use webdriver::Browser;

/// The screenshots folder, emptied once per run of this test binary: by the
/// first test to ask for it, before any test of the run writes a shot
/// (`Once` makes the others wait), so no test's shots vanish because of
/// another's order.
fn screenshots() -> PathBuf {
    static CLEARED: std::sync::Once = std::sync::Once::new();
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target directory")
        .join("webapp-screenshots");
    CLEARED.call_once(|| {
        let _ = std::fs::remove_dir_all(&dir);
    });
    dir
}

fn sample(name: &str) -> String {
    format!("{}/../../samples/pcaps/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A ticketing system's stand-in: answers every GET with a small page and
/// records the request line and whether a `Referer` came with it.
/// The requests a ticket server saw: (request line, whether a `Referer` came).
type Seen = Arc<Mutex<Vec<(String, bool)>>>;

fn ticket_server() -> (u16, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen: Seen = Arc::default();
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            // One thread each: Chromium opens spare connections it may never use.
            let log = log.clone();
            std::thread::spawn(move || {
                let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut first = String::new();
                if reader.read_line(&mut first).unwrap_or(0) == 0 {
                    return;
                }
                let mut referer = false;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                        break;
                    }
                    referer |= line.to_ascii_lowercase().starts_with("referer:");
                }
                log.lock()
                    .unwrap()
                    .push((first.trim().to_string(), referer));
                let body = "<!doctype html><title>Ticket</title><h1>Ticket</h1>";
                let mut s = stream;
                let _ = write!(
                s,
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            });
        }
    });
    (port, seen)
}

fn wait_for(what: &str, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "timed out: {what}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

#[test]
fn an_analyst_triages_in_the_browser() {
    let pcaps: Vec<String> = ["sshguess.pcap", "bruteforce.pcap", "portscan.pcap"]
        .iter()
        .map(|f| sample(f))
        .collect();
    let mut args = vec!["--pcap"];
    args.extend(pcaps.iter().map(String::as_str));
    let s = Server::start_args(true, &args);
    wait_for("the sample captures' detections", || {
        s.get("/api/v1/detections")
            .body
            .as_array()
            .is_some_and(|a| a.len() >= 3)
    });
    // The captures are analysed in the background (slower when other tests
    // run beside): wait until no new detection comes before counting.
    let mut last = 0;
    wait_for("the analysis to settle", || {
        let n = s
            .get("/api/v1/detections")
            .body
            .as_array()
            .map_or(0, |a| a.len());
        let settled = n == last;
        last = n;
        if !settled {
            std::thread::sleep(Duration::from_millis(1500));
        }
        settled
    });
    let (ticket_port, ticket_requests) = ticket_server();
    let r = s.patch(
        "/api/v1/extrahop/ticketing",
        json!({"enabled": true, "url_template": format!("http://127.0.0.1:{ticket_port}/browse/$ticket_id")}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let all = s.get("/api/v1/detections").body;
    let first = &all.as_array().unwrap()[0];
    let ticketed = first["id"].as_u64().unwrap();
    let kind = first["type"].as_str().unwrap().to_string();
    assert_eq!(
        s.patch(
            &format!("/api/v1/detections/{ticketed}"),
            json!({"ticket_id": "SEC-42"})
        )
        .status,
        204
    );
    // A stored XSS attempt, in a title and a property.
    let xss = "<img src=x onerror=\"document.title='pwned'\">";
    let evil = s.detection(json!({
        "type": "port_scan", "title": xss, "description": "<script>document.title='pwned'</script>",
        "risk_score": 99, "properties": {"note": xss},
        "participants": [{"object_type": "ipaddr", "object_value": "10.66.6.6", "role": "offender"}]
    }));
    // A detection whose offender is a device the sensor found.
    let device = s.get("/api/v1/devices?limit=1").body[0].clone();
    let device_id = device["id"].as_u64().expect("a device from the captures");
    let on_device = s.detection(json!({
        "type": "port_scan", "title": "Scan from a known device", "risk_score": 20,
        "participants": [{"object_type": "device", "object_id": device_id, "role": "offender"}]
    }));
    s.user_key(
        "ana",
        json!({"write": "full", "ndr": "full", "npm": "full"}),
    );
    let shots = screenshots();
    let b = Browser::start(1280, 900);

    // Log in: `/` leads to the app, which asks for a login.
    b.goto(&format!("{}/", s.url));
    let user = b.find("#username");
    b.screenshot(&shots, "01-login");
    b.type_text(&user, "ana");
    let wrong = b.find("#password");
    b.type_text(&wrong, "not-her-password");
    b.click(&b.find("form.login button[type=submit]"));
    assert_eq!(
        b.text_at("form.login .error:not([hidden])"),
        "Wrong username or password."
    );
    b.type_text(&b.find("#password"), "a-long-password");
    b.click(&b.find("form.login button[type=submit]"));
    b.find("table.list tbody tr");
    b.find("svg.chart rect.bar");
    let count = b.text_at("#count");
    let total = all.as_array().unwrap().len() + 2;
    assert_eq!(count, format!("{total} detections"));
    b.screenshot(&shots, "02-detections");

    // The XSS attempt is text: no element made of it, no script run.
    assert_eq!(b.text_at(&format!("tr[data-id='{evil}'] td.title a")), xss);
    assert_eq!(
        b.script(
            "return document.querySelectorAll('img[src=x], main script').length",
            json!([])
        ),
        json!(0)
    );
    assert_ne!(b.script("return document.title", json!([])), json!("pwned"));

    // The XSS card: title, description and property are text too.
    b.goto(&format!("{}/app#/detections/{evil}", s.url));
    assert_eq!(b.text_at("#card-title"), xss);
    assert_eq!(
        b.text_at("section.panel .prose"),
        "<script>document.title='pwned'</script>"
    );
    assert_eq!(
        b.script(
            "return document.querySelectorAll('img[src=x], main script').length",
            json!([])
        ),
        json!(0)
    );
    assert_ne!(b.script("return document.title", json!([])), json!("pwned"));
    // Participants link to their devices.
    b.goto(&format!("{}/app#/detections/{on_device}", s.url));
    b.click_at(&format!("ul.participants a[href='#/devices/{device_id}']"));
    b.wait("the device", || b.try_find("article.card table.props"));
    let name = device["display_name"].as_str().unwrap().to_string();
    b.wait("the device's name", || {
        (b.text_at("article.card h1") == name).then_some(())
    });
    b.goto(&format!("{}/app#/detections", s.url));

    // Filter by type: the list and the count are the server's answer to it.
    b.select(&b.find("#f-type"), &kind);
    b.wait("the filtered list", || {
        b.url().contains(&format!("type={kind}")).then_some(())
    });
    let want = s.post(
        "/api/v1/detections/search",
        json!({"filter": {"types": [kind]}, "id_only": true}),
    );
    let want = ids(&want.body).len();
    b.wait("the filtered count", || {
        (b.try_find("#count").map(|c| b.text(&c))
            == Some(format!(
                "{want} {}",
                if want == 1 { "detection" } else { "detections" }
            )))
        .then_some(())
    });
    let rows = b.find_all("table.list tbody tr");
    assert_eq!(rows.len(), want.min(50));
    b.screenshot(&shots, "03-filtered");
    // Risk and offender filters go to the server too.
    b.goto(&format!("{}/app#/detections?offender=10.66.6.6", s.url));
    b.wait("the offender filter", || {
        let rows = b.find_all("table.list tbody tr");
        (rows.len() == 1 && b.attr(&rows[0], "data-id") == Some(evil.to_string())).then_some(())
    });

    // Open the card of the ticketed detection.
    b.goto(&format!("{}/app#/detections?sort=risk", s.url));
    b.click_at(&format!("tr[data-id='{ticketed}'] td.title a"));
    assert_eq!(b.text_at("#card-title"), first["title"].as_str().unwrap());
    b.find("section.panel ol.timeline li");
    b.screenshot(&shots, "04-card");

    // Triage: status and assignee.
    b.select(&b.find("#status"), "in_progress");
    let assignee = b.find("#assignee");
    b.clear(&assignee);
    b.type_text(&assignee, "ana");
    b.click(&b.find("#save-triage"));
    let path = format!("/api/v1/detections/{ticketed}");
    wait_for("the triage", || {
        let d = s.get(&path).body;
        d["status"] == "in_progress" && d["assignee"] == "ana"
    });
    // The card shows the change once it has read the detection again.
    b.wait("the card's new state", || {
        b.try_find(".card-head .status.in_progress")?;
        b.text_at(".card-head")
            .contains("assigned to ana")
            .then_some(())
    });

    // A note.
    let note = b.find("#note");
    b.type_text(&note, "Checked with the owner: <b>not</b> expected.");
    b.click(&b.find("#save-note"));
    wait_for("the note", || {
        let n = s.get(&format!("{path}/notes")).body;
        n["note"] == "Checked with the owner: <b>not</b> expected." && n["author"] == "ana"
    });
    b.wait("the note's author on the card", || {
        b.text_at("form.note")
            .contains("Last written by ana")
            .then_some(())
    });
    assert_eq!(
        b.script(
            "return document.querySelectorAll('main b').length",
            json!([])
        ),
        json!(0),
        "the note is text"
    );

    // The ticket link opens the ticket in a new tab, without a referrer.
    let ticket = b.find(".ticket a");
    assert_eq!(b.attr(&ticket, "target").as_deref(), Some("_blank"));
    let rel = b.attr(&ticket, "rel").unwrap_or_default();
    assert!(
        rel.contains("noopener") && rel.contains("noreferrer"),
        "{rel}"
    );
    let want_url = format!("http://127.0.0.1:{ticket_port}/browse/SEC-42");
    assert_eq!(b.attr(&ticket, "href").as_deref(), Some(want_url.as_str()));
    let app_tab = b.window();
    b.click(&ticket);
    let tabs = b.wait("a new tab", || {
        let w = b.windows();
        (w.len() == 2).then_some(w)
    });
    let new_tab = tabs.iter().find(|t| **t != app_tab).unwrap().clone();
    b.switch_to(&new_tab);
    b.wait("the ticket page", || (b.url() == want_url).then_some(()));
    b.screenshot(&shots, "05-ticket-tab");
    b.close_window();
    b.switch_to(&app_tab);
    let seen = ticket_requests.lock().unwrap().clone();
    assert!(
        seen.iter()
            .any(|(line, referer)| line.starts_with("GET /browse/SEC-42 ") && !referer),
        "{seen:?}"
    );

    // Hide similar detections: a tuning rule for this type and offender.
    b.click(&b.find("#hide-similar"));
    b.find("#hide-dialog[open]");
    b.screenshot(&shots, "06-hide-similar");
    b.click(&b.find("#hide-confirm"));
    wait_for("the tuning rule", || {
        s.get("/api/v1/detections/rules/hiding")
            .body
            .as_array()
            .is_some_and(|r| r.iter().any(|r| r["detection_type"] == kind.as_str()))
    });
    let rule = s.get("/api/v1/detections/rules/hiding").body[0].clone();
    assert_eq!(rule["victim"], json!("Any"), "{rule}");
    assert_ne!(rule["offender"], json!("Any"), "{rule}");

    // Bulk actions on a selection: assign two detections, then close them.
    b.goto(&format!(
        "{}/app#/detections?sort=risk&offender=10.66.6.6",
        s.url
    ));
    b.click(&b.find(&format!("tr[data-id='{evil}'] input[type=checkbox]")));
    let who = b.find("#bulk-assignee");
    b.type_text(&who, "bob");
    b.click(&b.find("#bulk-assign"));
    wait_for("the bulk assignment", || {
        s.get(&format!("/api/v1/detections/{evil}")).body["assignee"] == "bob"
    });
    b.wait("the list again", || {
        b.try_find(&format!("tr[data-id='{evil}'] input[type=checkbox]"))
    });
    std::thread::sleep(Duration::from_millis(300));
    b.click(&b.find(&format!("tr[data-id='{evil}'] input[type=checkbox]")));
    b.click(&b.find("#bulk-close"));
    wait_for("the bulk close", || {
        s.get(&format!("/api/v1/detections/{evil}")).body["status"] == "closed"
    });

    // Wide screens.
    b.goto(&format!("{}/app#/detections", s.url));
    b.find("table.list tbody tr");
    b.resize(2560, 1200);
    std::thread::sleep(Duration::from_millis(300));
    b.screenshot(&shots, "07-detections-2560");
    b.resize(1280, 900);
    // Dark mode follows the system's.
    b.color_scheme("dark");
    let bg = |b: &Browser| {
        b.script(
            "return getComputedStyle(document.body).backgroundColor",
            json!([]),
        )
    };
    b.wait("the dark colours", || {
        (bg(&b) == json!("rgb(20, 23, 27)")).then_some(())
    });
    b.goto(&format!("{}/app#/detections/{ticketed}", s.url));
    b.find("#card-title");
    b.screenshot(&shots, "08-card-dark");
    b.goto(&format!("{}/app#/detections", s.url));
    b.find("table.list tbody tr");
    b.screenshot(&shots, "09-detections-dark");
    b.color_scheme("light");

    // Log out, and be refused.
    b.click(&b.find("#logout"));
    b.find("#username");
    b.screenshot(&shots, "10-logged-out");
    let status = b.script_async(
        "const done = arguments[arguments.length - 1];
         fetch('/api/v1/detections', {credentials: 'same-origin'}).then(r => done(r.status), e => done(String(e)));",
    );
    assert_eq!(status, json!(401));
    b.goto(&format!("{}/app#/detections/{ticketed}", s.url));
    b.find("#username");
    assert!(b.try_find("#card-title").is_none());
    let _: Value = b.script("return 0", json!([]));
}
