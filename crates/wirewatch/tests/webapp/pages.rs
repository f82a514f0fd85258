//! The Devices and Records pages in real Chromium, on `wikipedia.pcap`
//! (HTTP and DNS from 141.142.220.118): search a device, open it, see its
//! metric charts drawn with data points and its peers as a graph; run a
//! records query, page with the cursor, see the server's filter error named,
//! download the CSV and read it back; a stored XSS device name and tag are
//! text; a `metrics: restricted` user is told they have no access. Each
//! page is screenshotted at 1280 and 2560 px, light and dark.

use super::*;

const CLIENT: &str = "141.142.220.118";

fn shot_all(b: &Browser, dir: &std::path::Path, name: &str, ready: &str) {
    b.find(ready);
    std::thread::sleep(Duration::from_millis(300));
    b.screenshot(dir, &format!("{name}-1280"));
    b.resize(2560, 1300);
    std::thread::sleep(Duration::from_millis(400));
    b.screenshot(dir, &format!("{name}-2560"));
    b.resize(1280, 900);
    b.color_scheme("dark");
    std::thread::sleep(Duration::from_millis(400));
    b.screenshot(dir, &format!("{name}-dark"));
    b.color_scheme("light");
}

fn no_xss(b: &Browser) {
    assert_eq!(
        b.script(
            "return document.querySelectorAll('img[src=x], main script').length",
            json!([])
        ),
        json!(0)
    );
    assert_ne!(b.script("return document.title", json!([])), json!("pwned"));
}

#[test]
fn an_analyst_looks_at_devices_and_records() {
    let pcap = sample("wikipedia.pcap");
    let s = Server::start_args(true, &["--pcap", &pcap]);
    let device = |s: &Server| {
        s.post(
            "/api/v1/devices/search",
            json!({"filter": {"field": "ipaddr", "operator": "=", "operand": CLIENT}}),
        )
        .body
        .as_array()
        .and_then(|a| a.first().cloned())
    };
    wait_for("the client device and its records", || {
        device(&s).is_some()
            && s.post("/api/v1/records/search", json!({"types": ["~http"]}))
                .body["total"]
                .as_u64()
                .is_some_and(|n| n > 0)
    });
    let id = device(&s).unwrap()["id"].as_u64().unwrap();
    // What the page must show, asked of the API.
    let bytes = s.post(
        "/api/v1/metrics/total",
        json!({"object_type": "device", "object_ids": [id], "metric_category": "net",
               "metric_specs": [{"name": "bytes_out"}], "from": 1}),
    );
    assert!(
        bytes.body["stats"][0]["values"][0].as_u64().unwrap_or(0) > 0,
        "{}",
        bytes.text
    );
    // A stored XSS attempt in the custom name and in a tag.
    let xss = "<img src=x onerror=\"document.title='pwned'\">";
    assert_eq!(
        s.patch(
            &format!("/api/v1/devices/{id}"),
            json!({"custom_name": xss})
        )
        .status,
        204
    );
    let tag_name = format!("{xss} tag");
    assert_eq!(
        s.post("/api/v1/tags", json!({"name": tag_name})).status,
        201
    );
    let tags = s.get("/api/v1/tags").body;
    let tag = tags.as_array().unwrap()[0]["id"].as_u64().unwrap();
    assert_eq!(
        s.post(&format!("/api/v1/tags/{tag}/devices/{id}"), json!({}))
            .status,
        204
    );
    let det = s.detection(json!({
        "type": "port_scan", "title": "Scan from the Wikipedia client", "risk_score": 40,
        "participants": [{"object_type": "device", "object_id": id, "role": "offender"}]
    }));
    s.user_key(
        "ana",
        json!({"write": "full", "ndr": "full", "npm": "full"}),
    );
    s.user_key("rita", json!({"metrics": "restricted"}));

    let shots = screenshots();
    let downloads = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("webapp-downloads");
    let _ = std::fs::remove_dir_all(&downloads);
    let b = Browser::start(1280, 900);
    b.downloads_to(&downloads);
    b.goto(&format!("{}/app#/devices", s.url));
    b.type_text(&b.find("#username"), "ana");
    b.type_text(&b.find("#password"), "a-long-password");
    b.click(&b.find("form.login button[type=submit]"));

    // The list: every device, counted; the quick search asks the server.
    let all = s
        .post("/api/v1/devices/search", json!({"result_fields": ["id"]}))
        .body;
    let n = all.as_array().unwrap().len();
    b.wait("the device list", || {
        (b.try_find("#count").map(|c| b.text(&c)) == Some(format!("{n} devices"))).then_some(())
    });
    shot_all(&b, &shots, "11-devices", "#device-list tbody tr");
    b.type_text(&b.find("#d-q"), CLIENT);
    b.click(&b.find("#d-search"));
    b.wait("the search's answer", || {
        let rows = b.find_all("#device-list tbody tr");
        (rows.len() == 1 && b.attr(&rows[0], "data-id") == Some(id.to_string())).then_some(())
    });
    assert_eq!(b.text_at("#count"), "1 device");
    // The name is text.
    assert_eq!(b.text_at("#device-list tbody td.title a"), xss);
    no_xss(&b);
    // A filter the server refuses is shown with its field.
    b.goto(&format!(
        "{}/app#/devices?filter={}",
        s.url, "%7B%22field%22%3A%22colour%22%2C%22operand%22%3A1%7D"
    ));
    let err = b.text_at("#d-error");
    assert!(err.starts_with("filter.field: "), "{err}");
    assert_eq!(err.matches("filter.field").count(), 1, "named once: {err}");

    // The device page: names, tags, detections, charts with points, peers.
    b.goto(&format!("{}/app#/devices?q={CLIENT}", s.url));
    b.click_at(&format!("#device-list tr[data-id='{id}'] td.title a"));
    b.wait("the device page", || b.try_find("#device-name"));
    assert_eq!(b.text_at("#device-name"), xss);
    assert_eq!(b.text_at(".device-tag"), tag_name);
    no_xss(&b);
    let dots = b.find_all("#device-charts figure[data-chart=bytes] svg.chart circle.dot");
    assert!(!dots.is_empty(), "the bytes chart has data points");
    let path = b.attr(
        &b.find("#device-charts figure[data-chart=bytes] svg.chart path.line"),
        "d",
    );
    assert!(path.is_some_and(|d| d.matches('L').count() >= 2));
    b.find("#device-charts figure[data-chart=http] svg.chart circle.dot");
    b.find("#device-charts figure[data-chart=dns] svg.chart circle.dot");
    // Its peers: the graph's nodes are the activity map's peers.
    let map = s.post(
        "/api/v1/activitymaps/query",
        json!({"from": 1, "walks": [{"origins": [{"object_type": "device", "object_id": id}], "steps": [{}]}]}),
    );
    let mut want: Vec<u64> = map.body["edges"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            if e["from"].as_u64() == Some(id) {
                e["to"].as_u64().unwrap()
            } else {
                e["from"].as_u64().unwrap()
            }
        })
        .collect();
    want.sort_unstable();
    want.dedup();
    assert!(!want.is_empty(), "{}", map.text);
    let nodes = b.find_all("#device-peers svg.graph a.node.peer");
    let mut got: Vec<u64> = nodes
        .iter()
        .map(|n| b.attr(n, "data-id").unwrap().parse().unwrap())
        .collect();
    got.sort_unstable();
    want.truncate(24);
    assert_eq!(got.len(), want.len().min(24));
    assert_eq!(
        b.find_all("#device-peers svg.graph line.edge").len(),
        got.len()
    );
    // Its detection links to the card.
    b.find(&format!(
        "ul.device-detections a[href='#/detections/{det}']"
    ));
    shot_all(&b, &shots, "12-device", "#device-peers svg.graph");
    b.script(
        "document.getElementById('device-peers').scrollIntoView()",
        json!([]),
    );
    shot_all(&b, &shots, "12-device-peers", "#device-peers svg.graph");
    // A peer's node opens that peer's page.
    let peer = got[0];
    b.click_at(&format!("#device-peers a.node.peer[data-id='{peer}']"));
    b.wait("the peer's page", || {
        b.url().contains(&format!("#/devices/{peer}")).then_some(())
    });
    b.find("#device-name");

    // Records: the newest first, 25 a page; the cursor pages on.
    let total = s.post("/api/v1/records/search", json!({})).body["total"]
        .as_u64()
        .unwrap();
    assert!(total > 25, "{total}");
    b.goto(&format!("{}/app#/records?limit=25", s.url));
    b.wait("the records", || {
        (b.find_all("#record-table tbody tr").len() == 25).then_some(())
    });
    assert_eq!(b.text_at("#count"), format!("{total} records"));
    assert_eq!(b.text_at("#r-range-shown"), format!("1–25 of {total}"));
    let first_page: Vec<Option<String>> = b
        .find_all("#record-table tbody tr")
        .iter()
        .map(|r| b.attr(r, "data-id"))
        .collect();
    shot_all(&b, &shots, "13-records", "#record-table tbody tr");
    b.click(&b.find("#r-next"));
    b.wait("the second page", || {
        (b.text_at("#r-range-shown") == format!("26–{} of {total}", total.min(50))).then_some(())
    });
    let second: Vec<Option<String>> = b
        .find_all("#record-table tbody tr")
        .iter()
        .map(|r| b.attr(r, "data-id"))
        .collect();
    assert!(
        second.iter().all(|x| !first_page.contains(x)),
        "another page"
    );
    b.click(&b.find("#r-prev"));
    b.wait("the first page again", || {
        (b.text_at("#r-range-shown") == format!("1–25 of {total}")).then_some(())
    });

    // A filter the server refuses: its error names the field.
    let f = b.find("#r-filter");
    b.type_text(
        &f,
        r#"{"field": "serverPort", "operator": "=~", "operand": 80}"#,
    );
    b.click(&b.find("#r-run"));
    b.wait("the filter's error", || {
        b.try_find("#r-error:not([hidden])")
            .map(|e| b.text(&e))
            .filter(|t| t.starts_with("filter.operator: "))
    });
    let err = b.text_at("#r-error");
    assert_eq!(
        err.matches("filter.operator").count(),
        1,
        "named once: {err}"
    );
    assert!(err.contains("=~"), "{err}");
    b.screenshot(&shots, "14-records-filter-error");

    // The quick address field, then the CSV of every matching record.
    let want = s.post(
        "/api/v1/records/search",
        json!({"filter": {"field": ".ipaddr", "operator": "=", "operand": "141.142.2.2"}, "limit": 10000}),
    );
    let want_n = want.body["total"].as_u64().unwrap();
    assert!(want_n > 0);
    b.goto(&format!("{}/app#/records?addr=141.142.2.2", s.url));
    b.wait("the address's records", || {
        (b.text_at("#count") == format!("{want_n} records")).then_some(())
    });
    b.click(&b.find("#r-csv"));
    let file = b.wait("the CSV file", || {
        std::fs::read_dir(&downloads)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .find(|p| p.extension().is_some_and(|x| x == "csv"))
    });
    let text = std::fs::read_to_string(&file).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&header[..2], &["_type", "timestamp"], "{header:?}");
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len() as u64, want_n);
    assert!(
        rows.iter().all(|r| r.contains("141.142.2.2")),
        "every row names the address"
    );
    let types: std::collections::BTreeSet<&str> =
        rows.iter().map(|r| r.split(',').next().unwrap()).collect();
    let want_types: std::collections::BTreeSet<&str> = want.body["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, want_types);
    assert!(b
        .text_at("#r-csv-note")
        .contains(&format!("all {want_n} records")));

    // A user without the privileges: told so, shown nothing.
    b.click(&b.find("#logout"));
    b.find("#username");
    b.goto(&format!("{}/app#/devices", s.url));
    b.type_text(&b.find("#username"), "rita");
    b.type_text(&b.find("#password"), "a-long-password");
    b.click(&b.find("form.login button[type=submit]"));
    assert!(b
        .text_at("#no-access")
        .contains("You do not have access to devices"));
    assert!(b.try_find("#device-list").is_none());
    b.screenshot(&shots, "15-devices-no-access");
    b.goto(&format!("{}/app#/devices/{id}", s.url));
    b.wait("no device page", || {
        b.try_find("#no-access")
            .filter(|_| b.url().contains(&format!("#/devices/{id}")))
    });
    assert!(b.try_find("#device-name").is_none());
    b.goto(&format!("{}/app#/records", s.url));
    b.wait("no records page", || {
        b.try_find("#no-access")
            .map(|e| b.text(&e))
            .filter(|t| t.contains("records"))
    });
    assert!(b.try_find("#record-table").is_none());
}
