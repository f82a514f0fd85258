//! The Tickets pages in real Chromium: internal ticketing on, detections that
//! open tickets (two merged into one), the list filtered, sorted and counted
//! as the Sonar API answers; a ticket worked through assign → task → submit
//! → approve by the users whose roles allow each step (an administrator, the
//! assignee, the approver), the server's refusals shown; a comment with an
//! HTML injection attempt and Markdown rendered safely; an attachment
//! uploaded and downloaded byte for byte; the detection card's ticket link
//! opening the ticket's page in a new tab; and a user without ticket
//! privileges given no Tickets entry and no data.

use super::*;

fn login(b: &Browser, url: &str, hash: &str, user: &str) {
    b.goto(&format!("{url}/app#{hash}"));
    // The app sends the visitor to its login, remembering where they were going.
    b.wait("the login page", || {
        b.url().contains("#/login?next=").then_some(())
    });
    std::thread::sleep(Duration::from_millis(300));
    b.type_text(&b.find("#username"), user);
    b.type_text(&b.find("#password"), "a-long-password");
    b.click(&b.find("form.login button[type=submit]"));
    b.wait(&format!("{user}'s session"), || {
        (b.text_at("#who") == user).then_some(())
    });
}

fn logout(b: &Browser) {
    b.click(&b.find("#logout"));
    b.find("#username");
}

fn no_injection(b: &Browser) {
    assert_eq!(
        b.script(
            "return document.querySelectorAll('main img, main script, main a[href^=javascript]').length",
            json!([])
        ),
        json!(0)
    );
}

/// The unfiltered list on screen.
fn all_three(b: &Browser) {
    b.wait("the whole list", || {
        (b.text_at("#count") == "3 tickets" && !b.url().contains('?')).then_some(())
    });
}

/// The ticket as the API has it.
fn ticket(s: &Server, guid: &str) -> Value {
    let r = s.call_with_bearer("GET", &format!("/api/sonar/tickets/{guid}"), None, &s.key);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["ticket"].clone()
}

/// The GUIDs of the rows of the list on screen.
fn rows(b: &Browser) -> Vec<String> {
    b.find_all("#ticket-list tbody tr")
        .iter()
        .filter_map(|r| b.attr(r, "data-guid"))
        .collect()
}

/// The GUIDs of an API list query.
fn api_rows(s: &Server, query: &str) -> Vec<String> {
    let r = s.call_with_bearer("GET", &format!("/api/sonar/tickets?{query}"), None, &s.key);
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["tickets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["guid"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn analysts_work_a_ticket_through_its_workflow_in_the_browser() {
    let s = Server::start_with(true);
    let r = s.patch(
        "/api/v1/extrahop/ticketing",
        json!({"internal_ticketing_enabled": true, "external_ticketing_enabled": false}),
    );
    assert_eq!(r.status, 204, "{}", r.text);
    let scan = |offender: &str, victim: &str, risk: u8| {
        let mut d = det("port_scan", offender, victim);
        d["risk_score"] = json!(risk);
        s.detection(d)
    };
    let a = scan("10.0.0.1", "10.0.0.2", 40);
    let a2 = scan("10.0.0.1", "10.0.0.3", 40);
    let mut brute = det("ssh_brute_force", "10.0.0.5", "10.0.0.2");
    brute["risk_score"] = json!(90);
    let c = s.detection(brute);
    let _other = scan("10.0.0.9", "10.0.0.2", 20);
    let guid = s.get(&format!("/api/v1/detections/{a}")).body["ticket_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        s.get(&format!("/api/v1/detections/{a2}")).body["ticket_id"],
        json!(guid),
        "same type and offender: one ticket"
    );
    let brute_guid = s.get(&format!("/api/v1/detections/{c}")).body["ticket_id"]
        .as_str()
        .unwrap()
        .to_string();
    let lead_key = s.user_key("lead", json!({"write": "full", "ndr": "full"}));
    s.user_key("alice", json!({"write": "limited", "ndr": "full"}));
    s.user_key("bob", json!({"write": "limited", "ndr": "full"}));
    s.user_key("rita", json!({"metrics": "restricted"}));

    let shots = screenshots();
    let downloads = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("ticket-downloads");
    let _ = std::fs::remove_dir_all(&downloads);
    let b = Browser::start(1280, 900);
    b.downloads_to(&downloads);

    // The administrator: the Tickets entry, the list as the API counts it.
    login(&b, &s.url, "/detections", "lead");
    b.wait("the Tickets entry", || {
        b.try_find("#nav-tickets:not([hidden])")
    });
    b.click(&b.find("#nav-tickets"));
    b.wait("the ticket list", || {
        (b.text_at("#count") == "3 tickets").then_some(())
    });
    assert_eq!(
        rows(&b),
        api_rows(&s, "order_by=updated&order=desc"),
        "newest change first"
    );
    b.screenshot(&shots, "20-tickets");

    // Filters go to the server and stay in the URL.
    b.type_text(&b.find("#t-q"), "10.0.0.1");
    b.click(&b.find("#t-apply"));
    b.wait("the keyword filter", || {
        (b.url().contains("q=10.0.0.1") && b.text_at("#count") == "1 ticket").then_some(())
    });
    assert_eq!(rows(&b), vec![guid.clone()]);
    b.goto(&format!("{}/app#/tickets?priority=HIGH", s.url));
    b.wait("the priority filter", || {
        (rows(&b) == vec![brute_guid.clone()]).then_some(())
    });
    assert_eq!(api_rows(&s, "priorities=HIGH"), vec![brute_guid.clone()]);
    b.find("#ticket-filters input[name=priority][value=HIGH]:checked");
    // Statuses by checkbox: nothing is ASSIGNED yet.
    b.goto(&format!("{}/app#/tickets", s.url));
    all_three(&b);
    b.click_at("#ticket-filters input[name=status][value=ASSIGNED]");
    b.wait("the status filter", || {
        (b.url().contains("status=ASSIGNED") && b.text_at("#count") == "0 tickets").then_some(())
    });
    b.find("p.empty");
    // A column header sorts; again reverses.
    b.goto(&format!("{}/app#/tickets", s.url));
    all_three(&b);
    b.click_at("th button.sorter[data-sort=id]");
    b.wait("sorted by number", || {
        (b.url().contains("sort=id") && rows(&b) == api_rows(&s, "order_by=id&order=desc"))
            .then_some(())
    });
    b.click_at("th button.sorter[data-sort=id]");
    b.wait("sorted by number, ascending", || {
        (b.url().contains("order=asc") && rows(&b) == api_rows(&s, "order_by=id&order=asc"))
            .then_some(())
    });
    // A bad filter value: the server's reason, named.
    b.goto(&format!("{}/app#/tickets?status=LOST", s.url));
    let err = b.text_at("#t-error");
    assert!(err.contains("unknown status"), "{err}");

    // The detection card leads to the ticket's page, in a new tab.
    b.goto(&format!("{}/app#/detections/{a}", s.url));
    let link = b.find(".ticket a");
    let href = b.attr(&link, "href").unwrap_or_default();
    assert!(href.ends_with(&format!("/app#/tickets/{guid}")), "{href}");
    assert_eq!(b.attr(&link, "target").as_deref(), Some("_blank"));
    assert!(b.text(&link).starts_with("#1 New"), "{}", b.text(&link));
    b.screenshot(&shots, "27-card-internal-ticket");
    let app_tab = b.window();
    b.click(&link);
    let tabs = b.wait("a new tab", || {
        let w = b.windows();
        (w.len() == 2).then_some(w)
    });
    let new_tab = tabs.iter().find(|t| **t != app_tab).unwrap().clone();
    b.switch_to(&new_tab);
    let title = ticket(&s, &guid)["title"].as_str().unwrap().to_string();
    b.wait("the ticket page in the new tab", || {
        (b.text_at("#ticket-title") == title).then_some(())
    });
    b.close_window();
    b.switch_to(&app_tab);

    // The ticket: fields, linked detections linking to their cards.
    b.goto(&format!("{}/app#/tickets", s.url));
    all_three(&b);
    b.click_at(&format!("tr[data-guid='{guid}'] td.title a"));
    assert_eq!(b.text_at("#ticket-title"), title);
    for id in [a, a2] {
        b.find(&format!("#t-detections a[href='#/detections/{id}']"));
    }
    assert_eq!(b.find_all("#t-detections li").len(), 2);
    assert!(b.text_at(".card-head").contains("2 detections"));
    assert!(b.text_at("#t-status").contains("New"));

    // Assign: a name the server does not know is refused, and said so.
    let assignees = b.find("#t-assignees");
    b.clear(&assignees);
    b.type_text(&assignees, "nobody");
    b.type_text(&b.find("#t-approvers"), "bob");
    b.click(&b.find("#t-assign"));
    let refused = b.wait("the refusal", || {
        b.try_find("#t-refused:not([hidden])").map(|e| b.text(&e))
    });
    assert!(
        refused.contains("no user named \"nobody\"") && refused.contains("invalid-param"),
        "{refused}"
    );
    assert_eq!(ticket(&s, &guid)["status"], "NEW");
    assert_eq!(
        b.script(
            "return document.getElementById('t-assignees').value",
            json!([])
        ),
        json!("nobody"),
        "what was typed stays"
    );
    b.screenshot(&shots, "21-ticket-refused");
    let assignees = b.find("#t-assignees");
    b.clear(&assignees);
    b.type_text(&assignees, "alice");
    let approvers = b.find("#t-approvers");
    b.clear(&approvers);
    b.type_text(&approvers, "bob");
    b.click(&b.find("#t-assign"));
    wait_for("the assignment", || {
        ticket(&s, &guid)["status"] == "ASSIGNED"
    });
    b.wait("the assigned state", || {
        b.text_at("#t-status").contains("Assigned").then_some(())
    });
    assert!(b.text_at("#t-assignee-list").contains("alice"));
    // The administrator is not an assignee: no task buttons, but may submit
    // once the tasks are done (not yet).
    assert!(b.try_find("#t-start").is_none());
    assert!(b.text_at("#t-submit-why").contains("alice"));
    logout(&b);

    // The assignee: works the task, comments, attaches, submits.
    login(&b, &s.url, &format!("/tickets/{guid}"), "alice");
    b.find("#ticket-title");
    assert!(
        b.try_find("#t-assign").is_none(),
        "a MEMBER does not assign"
    );
    assert!(b.try_find("#t-close").is_none(), "a MEMBER does not close");
    b.click(&b.find("#t-start"));
    wait_for("the task started", || {
        let t = ticket(&s, &guid);
        t["status"] == "IN_PROGRESS" && t["assignees"][0]["task_status"] == "IN_PROGRESS"
    });
    b.wait("the in-progress state", || {
        b.text_at("#t-status").contains("In progress").then_some(())
    });
    b.click_at("#t-done");
    wait_for("the task done", || {
        ticket(&s, &guid)["assignees"][0]["task_status"] == "CLOSED"
    });
    b.find("#t-submit");

    // A comment: HTML is text, Markdown is rendered, only safe links.
    let comment = "<img src=x onerror=alert(1)> is not a picture, **bold** is bold.\n\n\
                   - [the runbook](https://runbooks.example.com/scan)\n- [no](javascript:alert(1))\n\n\
                   ```\n<script>alert(2)</script>\n```";
    b.type_text(&b.find("#t-comment"), comment);
    b.click(&b.find("#t-add-comment"));
    wait_for("the comment", || {
        ticket(&s, &guid)["comments"].as_array().is_some_and(|c| {
            c.iter()
                .any(|c| c["content"] == comment && c["user_name"] == "alice")
        })
    });
    let body = b.wait("the rendered comment", || {
        b.try_find(".comment .comment-body strong")?;
        Some(b.text_at(".comment .comment-body"))
    });
    assert_eq!(b.text_at(".comment .comment-body strong"), "bold");
    assert!(
        body.contains("<img src=x onerror=alert(1)> is not a picture"),
        "{body}"
    );
    assert!(body.contains("[no](javascript:alert(1))"), "{body}");
    assert_eq!(
        b.text_at(".comment .comment-body pre code"),
        "<script>alert(2)</script>"
    );
    let runbook = b.find(".comment .comment-body li a");
    assert_eq!(
        b.attr(&runbook, "href").as_deref(),
        Some("https://runbooks.example.com/scan")
    );
    assert!(b
        .attr(&runbook, "rel")
        .unwrap_or_default()
        .contains("noopener"));
    assert_eq!(b.find_all(".comment .comment-body a").len(), 1);
    no_injection(&b);
    // Its author edits it in place.
    b.click(&b.find(".comment button.edit-comment"));
    b.type_text(
        &b.find(".comment textarea.comment-edit"),
        "\n\n_Edited_ after the call.",
    );
    b.click(&b.find(".comment button.save-comment"));
    let edited = format!("{comment}\n\n_Edited_ after the call.");
    wait_for("the edit", || {
        ticket(&s, &guid)["comments"][0]["content"] == edited.as_str()
    });
    b.wait("the edited comment", || {
        (b.try_find(".comment .comment-body em").map(|e| b.text(&e)) == Some("Edited".into()))
            .then_some(())
    });
    no_injection(&b);

    // An attachment: uploaded from a file, its size shown, downloaded back.
    let bytes: Vec<u8> = (0..3000u32).map(|i| (i * 7 % 256) as u8).collect();
    let upload = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("capture notes.bin");
    std::fs::write(&upload, &bytes).unwrap();
    b.type_text(&b.find("#t-file"), upload.to_str().unwrap());
    b.click(&b.find("#t-upload"));
    let att = b.wait("the attachment", || {
        ticket(&s, &guid)["attachments"]
            .as_array()
            .and_then(|a| a.first().cloned())
    });
    assert_eq!(att["file_name"], "capture notes.bin");
    assert_eq!(att["file_size"], 3000);
    let aguid = att["guid"].as_str().unwrap().to_string();
    let row = format!("#t-attachments li[data-guid='{aguid}']");
    b.find(&row);
    assert!(b.text_at(&row).contains("2.9 KiB"), "{}", b.text_at(&row));
    b.click(&b.find(&format!("{row} a.download")));
    let file = b.wait("the downloaded attachment", || {
        let p = downloads.join("capture notes.bin");
        std::fs::read(&p)
            .ok()
            .filter(|d| d.len() == bytes.len())
            .map(|_| p)
    });
    assert_eq!(std::fs::read(&file).unwrap(), bytes, "the file as uploaded");
    assert_eq!(
        s.download(
            &format!("/api/sonar/tickets/{guid}/attachments/{aguid}"),
            &s.key
        ),
        bytes,
        "the API has the same bytes"
    );
    b.script("window.scrollTo(0, 0)", json!([]));
    std::thread::sleep(Duration::from_millis(300));
    b.screenshot(&shots, "22-ticket");
    b.script(
        "document.getElementById('t-comments').scrollIntoView()",
        json!([]),
    );
    std::thread::sleep(Duration::from_millis(300));
    b.screenshot(&shots, "23-ticket-comments");

    // Submit while the ticket changed under the page: the server refuses, the page says why.
    let r = s.call_with_bearer(
        "POST",
        &format!("/api/sonar/tickets/{guid}/assign"),
        Some(json!({"approvers": []})),
        &lead_key,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    b.click(&b.find("#t-submit"));
    let refused = b.wait("the submit refusal", || {
        b.try_find("#t-refused:not([hidden])").map(|e| b.text(&e))
    });
    assert!(refused.contains("no approvers"), "{refused}");
    assert!(
        b.try_find("#t-submit").is_none(),
        "the page shows the current state"
    );
    let r = s.call_with_bearer(
        "POST",
        &format!("/api/sonar/tickets/{guid}/assign"),
        Some(json!({"approvers": ["bob"]})),
        &lead_key,
    );
    assert_eq!(r.status, 200, "{}", r.text);
    b.goto(&format!("{}/app#/tickets", s.url));
    b.goto(&format!("{}/app#/tickets/{guid}", s.url));
    b.click(&b.find("#t-submit"));
    wait_for("the submission", || {
        ticket(&s, &guid)["status"] == "SUBMITTED"
    });
    b.wait("the submitted state", || {
        b.text_at("#t-status").contains("Submitted").then_some(())
    });
    assert!(
        b.try_find("#t-approve").is_none(),
        "alice is not the approver"
    );
    logout(&b);

    // The approver approves, with a reason.
    login(&b, &s.url, &format!("/tickets/{guid}"), "bob");
    b.type_text(&b.find("#t-reason"), "Blocked at the firewall.");
    b.screenshot(&shots, "24-ticket-approver");
    b.click(&b.find("#t-approve"));
    wait_for("the approval", || ticket(&s, &guid)["status"] == "APPROVED");
    b.wait("the approved state", || {
        b.text_at("#t-status").contains("Approved").then_some(())
    });
    let t = ticket(&s, &guid);
    assert_eq!(t["approvers"][0]["task_status"], "APPROVED");
    assert!(t["comments"]
        .as_array()
        .unwrap()
        .iter()
        .any(|c| c["user_name"] == "bob"
            && c["format"] == "PLAIN"
            && c["content"] == "Blocked at the firewall."));
    assert!(b
        .text_at("#t-comments")
        .contains("Blocked at the firewall."));
    assert!(b.try_find("#t-approve").is_none());
    // The detections follow the ticket.
    assert_eq!(
        s.get(&format!("/api/v1/detections/{a}")).body["assignee"],
        "alice"
    );
    // Dark mode.
    b.color_scheme("dark");
    std::thread::sleep(Duration::from_millis(300));
    b.screenshot(&shots, "25-ticket-dark");
    b.color_scheme("light");

    // The Markdown renderer on hostile and ordinary input, in the browser.
    let rendered = b.script_async(
        "const done = arguments[arguments.length - 1];
         import('/app/assets/markdown.js').then((m) => {
           const cases = [
             '<b>x</b>', '*a* _b_ **c** __d__ `<e>`', 'snake_case_word',
             '[x](JAVASCRIPT:alert(1)) [y](data:text/html,1) [z](mailto:a@b.c)',
             '1. one\\n2. two', '> quoted *q*', '\\\\*not em\\\\*', '[a](' .repeat(3000),
           ];
           done(cases.map((c) => { const d = document.createElement('div'); d.append(...m.markdown(c)); return d.innerHTML; }));
         }, (e) => done(String(e)));",
    );
    let rendered: Vec<String> = serde_json::from_value(rendered.clone()).expect("rendered cases");
    assert_eq!(rendered[0], "<p>&lt;b&gt;x&lt;/b&gt;</p>");
    assert_eq!(
        rendered[1],
        "<p><em>a</em> <em>b</em> <strong>c</strong> <strong>d</strong> <code>&lt;e&gt;</code></p>"
    );
    assert_eq!(rendered[2], "<p>snake_case_word</p>");
    assert_eq!(
        rendered[3],
        "<p>[x](JAVASCRIPT:alert(1)) [y](data:text/html,1) \
         <a href=\"mailto:a@b.c\" target=\"_blank\" rel=\"noopener noreferrer\">z</a></p>"
    );
    assert_eq!(rendered[4], "<ol><li>one</li><li>two</li></ol>");
    assert_eq!(
        rendered[5],
        "<blockquote><p>quoted <em>q</em></p></blockquote>"
    );
    assert_eq!(rendered[6], "<p>*not em*</p>");
    assert!(!rendered[7].contains("<a"), "{}", &rendered[7][..80]);
    logout(&b);

    // No ticket privilege: no Tickets entry, no data.
    login(&b, &s.url, "/detections", "rita");
    // Asked of the server, and hidden.
    b.find("#nav-tickets[data-checked][hidden]");
    b.goto(&format!("{}/app#/tickets", s.url));
    assert!(b
        .text_at("#no-access")
        .contains("You do not have access to tickets"));
    assert!(b.try_find("#ticket-list").is_none());
    // A ticket's URL says "no access" (the API's 403), not "no such
    // ticket", and shows nothing of it.
    b.script(
        "document.getElementById('no-access').dataset.old = '1'",
        json!([]),
    );
    b.goto(&format!("{}/app#/tickets/{guid}", s.url));
    b.wait("the ticket page's refusal", || {
        b.try_find("#no-access:not([data-old])")
            .filter(|_| b.url().contains(&format!("#/tickets/{guid}")))
    });
    assert!(b
        .text_at("#no-access")
        .contains("You do not have access to tickets"));
    assert!(b.try_find("#t-missing").is_none());
    assert!(b.try_find("#ticket-title").is_none());
    assert!(!b.text_at("main").contains(&title));
    let answers = b.script_async(&format!(
        "const done = arguments[arguments.length - 1];
         Promise.all(['/api/sonar/tickets', '/api/sonar/tickets/{guid}'].map((u) =>
           fetch(u, {{credentials: 'same-origin'}}).then(async (r) => [r.status, await r.text()])))
           .then(done, (e) => done(String(e)));"
    ));
    assert_eq!(answers[0][0], json!(403), "{answers}");
    assert_eq!(answers[1][0], json!(403), "{answers}");
    let one = answers[1][1].as_str().unwrap_or_default();
    assert!(!one.contains(&title) && !one.contains(&guid), "{answers}");
    b.screenshot(&shots, "26-tickets-no-access");
}
