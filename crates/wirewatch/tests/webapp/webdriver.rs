//! A thin W3C WebDriver client over `ureq` (already in the tree), enough to
//! drive Debian's `chromium` through `chromedriver`: navigate, find, click,
//! type, read, run a script, switch tabs, take screenshots.

use base64::Engine as _;
use serde_json::{json, Value};
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The key of an element reference in WebDriver answers.
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

/// A `chromedriver` process and one headless Chromium session on it.
pub struct Browser {
    driver: Child,
    base: String,
    agent: ureq::Agent,
}

/// An element of the page.
#[derive(Clone)]
pub struct El(String);

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Browser {
    /// Start chromedriver and a headless Chromium of `width`×`height`.
    pub fn start(width: u32, height: u32) -> Browser {
        let port = free_port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver is needed: apt-get install chromium chromium-driver (scripts/install-test-deps.sh)");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let root = format!("http://127.0.0.1:{port}");
        let ready = Instant::now();
        loop {
            let ok = agent
                .get(format!("{root}/status"))
                .call()
                .ok()
                .and_then(|mut r| r.body_mut().read_json::<Value>().ok())
                .is_some_and(|v| v["value"]["ready"] == true);
            if ok {
                break;
            }
            assert!(
                ready.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--ignore-certificate-errors".into(),
            "--no-first-run".into(),
            format!("--window-size={width},{height}"),
        ];
        let mut chrome = json!({"args": args});
        if std::path::Path::new("/usr/bin/chromium").exists() {
            chrome["binary"] = json!("/usr/bin/chromium");
        }
        let mut b = Browser {
            driver,
            base: root.clone(),
            agent,
        };
        let v = b.send(
            "POST",
            &format!("{root}/session"),
            Some(json!({"capabilities": {"alwaysMatch": {
                "browserName": "chrome", "acceptInsecureCerts": true, "goog:chromeOptions": chrome
            }}})),
        );
        let id = v["sessionId"].as_str().expect("a session").to_string();
        b.base = format!("{root}/session/{id}");
        b
    }

    fn send(&self, method: &str, url: &str, body: Option<Value>) -> Value {
        let mut resp = match (method, body) {
            ("GET", _) => self.agent.get(url).call(),
            ("DELETE", _) => self.agent.delete(url).call(),
            (_, b) => self
                .agent
                .post(url)
                .send_json(b.unwrap_or_else(|| json!({}))),
        }
        .unwrap_or_else(|e| panic!("webdriver {method} {url}: {e}"));
        let status = resp.status().as_u16();
        let v: Value = resp.body_mut().read_json().unwrap_or(Value::Null);
        assert!(status < 400, "webdriver {method} {url}: {status} {v}");
        v["value"].clone()
    }

    fn cmd(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        self.send(method, &format!("{}{path}", self.base), body)
    }

    /// Try a command; `None` when the driver answers with an error.
    fn try_cmd(&self, path: &str, body: Value) -> Option<Value> {
        let mut resp = self
            .agent
            .post(format!("{}{path}", self.base))
            .send_json(body)
            .ok()?;
        let ok = resp.status().as_u16() < 400;
        let v: Value = resp.body_mut().read_json().ok()?;
        ok.then(|| v["value"].clone())
    }

    pub fn goto(&self, url: &str) {
        self.cmd("POST", "/url", Some(json!({"url": url})));
    }

    pub fn url(&self) -> String {
        self.cmd("GET", "/url", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    /// The first element matching a CSS selector, waiting up to 10 s.
    pub fn find(&self, css: &str) -> El {
        self.wait(&format!("element {css}"), || self.try_find(css))
    }

    pub fn try_find(&self, css: &str) -> Option<El> {
        self.try_cmd("/element", json!({"using": "css selector", "value": css}))
            .and_then(|v| v[ELEMENT].as_str().map(|s| El(s.to_string())))
    }

    pub fn find_all(&self, css: &str) -> Vec<El> {
        self.cmd(
            "POST",
            "/elements",
            Some(json!({"using": "css selector", "value": css})),
        )
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| v[ELEMENT].as_str().map(|s| El(s.to_string())))
        .collect()
    }

    /// Wait (10 s at most) until `f` gives something.
    pub fn wait<T>(&self, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
        let start = Instant::now();
        loop {
            if let Some(v) = f() {
                return v;
            }
            if start.elapsed() > Duration::from_secs(10) {
                let text = self.script("return document.body.innerText", json!([]));
                panic!("timed out waiting for {what}; the page says: {text}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn click(&self, e: &El) {
        self.cmd("POST", &format!("/element/{}/click", e.0), Some(json!({})));
    }

    pub fn clear(&self, e: &El) {
        self.cmd("POST", &format!("/element/{}/clear", e.0), Some(json!({})));
    }

    pub fn type_text(&self, e: &El, text: &str) {
        self.cmd(
            "POST",
            &format!("/element/{}/value", e.0),
            Some(json!({"text": text})),
        );
    }

    /// The text of the first element matching `css`, waiting for it and
    /// retrying while the page re-renders (stale references).
    pub fn text_at(&self, css: &str) -> String {
        self.wait(&format!("the text of {css}"), || {
            let e = self.try_find(css)?;
            self.try_get(&format!("/element/{}/text", e.0))
                .and_then(|v| v.as_str().map(str::to_string))
        })
    }

    /// Click the first element matching `css`, retrying while the page re-renders.
    pub fn click_at(&self, css: &str) {
        self.wait(&format!("a click on {css}"), || {
            let e = self.try_find(css)?;
            self.try_cmd(&format!("/element/{}/click", e.0), json!({}))
        });
    }

    /// A GET that may fail (a stale element): `None` then.
    fn try_get(&self, path: &str) -> Option<Value> {
        let mut resp = self.agent.get(format!("{}{path}", self.base)).call().ok()?;
        let ok = resp.status().as_u16() < 400;
        let v: Value = resp.body_mut().read_json().ok()?;
        ok.then(|| v["value"].clone())
    }

    /// The element's text; empty when it is gone (the page re-rendered).
    pub fn text(&self, e: &El) -> String {
        self.try_get(&format!("/element/{}/text", e.0))
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// An attribute; `None` when absent or the element is gone.
    pub fn attr(&self, e: &El, name: &str) -> Option<String> {
        self.try_get(&format!("/element/{}/attribute/{name}", e.0))
            .and_then(|v| v.as_str().map(str::to_string))
    }

    /// Choose an option of a `<select>` by its value (and fire `change`).
    pub fn select(&self, e: &El, value: &str) {
        self.script(
            "const s = arguments[0]; s.value = arguments[1]; s.dispatchEvent(new Event('change', {bubbles: true}));",
            json!([{ELEMENT: e.0}, value]),
        );
    }

    /// Run a script (synchronously); its return value.
    pub fn script(&self, js: &str, args: Value) -> Value {
        self.cmd(
            "POST",
            "/execute/sync",
            Some(json!({"script": js, "args": args})),
        )
    }

    /// Run an async script: it calls `arguments[arguments.length - 1]` with its result.
    pub fn script_async(&self, js: &str) -> Value {
        self.cmd(
            "POST",
            "/execute/async",
            Some(json!({"script": js, "args": []})),
        )
    }

    /// The cookies of the current page, HttpOnly ones included (W3C cookie objects).
    pub fn cookies(&self) -> Vec<Value> {
        self.cmd("GET", "/cookie", None)
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    pub fn windows(&self) -> Vec<String> {
        self.cmd("GET", "/window/handles", None)
            .as_array()
            .cloned()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }

    pub fn window(&self) -> String {
        self.cmd("GET", "/window", None)
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    pub fn switch_to(&self, handle: &str) {
        self.cmd("POST", "/window", Some(json!({"handle": handle})));
    }

    pub fn close_window(&self) {
        self.cmd("DELETE", "/window", None);
    }

    /// Emulate the system's dark (or light) colour scheme (Chromium's CDP,
    /// through chromedriver).
    pub fn color_scheme(&self, scheme: &str) {
        self.cmd(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": "Emulation.setEmulatedMedia", "params": {
                "features": [{"name": "prefers-color-scheme", "value": scheme}]
            }})),
        );
    }

    /// Let downloads land in `dir` without asking (Chromium's CDP).
    pub fn downloads_to(&self, dir: &std::path::Path) {
        std::fs::create_dir_all(dir).unwrap();
        self.cmd(
            "POST",
            "/goog/cdp/execute",
            Some(json!({"cmd": "Browser.setDownloadBehavior", "params": {
                "behavior": "allow", "downloadPath": dir.to_string_lossy()
            }})),
        );
    }

    pub fn resize(&self, width: u32, height: u32) {
        self.cmd(
            "POST",
            "/window/rect",
            Some(json!({"width": width, "height": height})),
        );
    }

    /// A PNG of the viewport, saved as `dir/name.png`.
    pub fn screenshot(&self, dir: &std::path::Path, name: &str) {
        let b64 = self.cmd("GET", "/screenshot", None);
        let png = base64::engine::general_purpose::STANDARD
            .decode(b64.as_str().unwrap_or_default())
            .expect("a base64 PNG");
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(format!("{name}.png")), png).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.agent.delete(&self.base).call();
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}
