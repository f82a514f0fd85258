//! A real `wirewatch serve` process on a temporary data directory, and a small
//! HTTP client for talking to it.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub use wirewatch_testkit::{det, ids, Client, Resp, PASSWORD};

/// A running server.
pub struct Server {
    child: Option<Child>,
    pub url: String,
    /// The data directory.
    data: PathBuf,
    /// Removes the data directory at the end when the server made it.
    _tmp: Option<tempfile::TempDir>,
    pub key: String,
    tls: bool,
    extra: Vec<String>,
    agent: ureq::Agent,
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(30)))
        .tls_config(
            ureq::tls::TlsConfig::builder()
                .disable_verification(true)
                .build(),
        )
        .build()
        .into()
}

fn spawn(dir: &Path, tls: bool, extra: &[String]) -> (Child, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirewatch"));
    // An extra argument `ENV:NAME=VALUE` sets an environment variable of the server instead.
    let (envs, args): (Vec<&String>, Vec<&String>) =
        extra.iter().partition(|a| a.starts_with("ENV:"));
    cmd.arg("serve")
        .arg("--data-dir")
        .arg(dir)
        .arg("--listen")
        .arg("127.0.0.1:0")
        .args(args);
    for e in envs {
        if let Some((k, v)) = e["ENV:".len()..].split_once('=') {
            cmd.env(k, v);
        }
    }
    if !tls {
        cmd.arg("--no-tls");
    }
    cmd.env("WIREWATCH_SETUP_PASSWORD", PASSWORD)
        .env("WIREWATCH_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = cmd.spawn().expect("start wirewatch");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("wirewatch exited before listening")
            .unwrap();
        if let Some(rest) = line.strip_prefix("wirewatch: listening on ") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
    };
    // Keep draining stdout so the child never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (child, url)
}

impl Server {
    /// Start on a fresh data directory over plain HTTP and create the setup key.
    pub fn start() -> Server {
        Self::start_with(false)
    }

    pub fn start_with(tls: bool) -> Server {
        Self::start_args(tls, &[])
    }

    /// Start with extra `serve` arguments.
    pub fn start_args(tls: bool, extra: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        Self::start_in(dir.path().to_path_buf(), Some(dir), tls, extra)
    }

    /// Start over plain HTTP on an existing data directory (one `wirewatch
    /// ingest` filled, say), which outlives the server.
    pub fn start_on(data: &Path) -> Server {
        Self::start_in(data.to_path_buf(), None, false, &[])
    }

    fn start_in(
        data: PathBuf,
        tmp: Option<tempfile::TempDir>,
        tls: bool,
        extra: &[&str],
    ) -> Server {
        let extra: Vec<String> = extra.iter().map(|s| s.to_string()).collect();
        let (child, url) = spawn(&data, tls, &extra);
        let mut s = Server {
            child: Some(child),
            url,
            data,
            _tmp: tmp,
            key: String::new(),
            tls,
            extra,
            agent: agent(),
        };
        let r = s.call_with(
            "POST",
            "/api/v1/apikeys",
            Some(serde_json::json!({"password": PASSWORD})),
            None,
        );
        assert_eq!(r.status, 201, "{}", r.text);
        s.key = r.body["key"].as_str().unwrap().to_string();
        s
    }

    /// The server process's id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// `host:port` the server listens on.
    pub fn addr(&self) -> String {
        self.url.split("://").nth(1).unwrap().to_string()
    }

    pub fn data_dir(&self) -> PathBuf {
        self.data.clone()
    }

    /// Stop with SIGKILL (no chance to flush anything).
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Start again on the same data directory.
    pub fn restart(&mut self) {
        self.kill();
        let (child, url) = spawn(&self.data, self.tls, &self.extra);
        self.child = Some(child);
        self.url = url;
    }

    /// Start again on the same data directory with other `serve` arguments.
    pub fn restart_args(&mut self, extra: &[&str]) {
        self.extra = extra.iter().map(|s| s.to_string()).collect();
        self.restart();
    }

    /// A raw body with a content type, Bearer key.
    pub fn raw_bytes(&self, method: &str, path: &str, body: &[u8], ctype: &str, key: &str) -> Resp {
        self.send_raw(
            method,
            path,
            Some(body),
            ctype,
            Some(&format!("Bearer {key}")),
        )
    }

    /// The bytes of a GET answer (must be 200).
    pub fn download(&self, path: &str, key: &str) -> Vec<u8> {
        let mut r = self
            .agent
            .get(format!("{}{}", self.url, path))
            .header("Authorization", format!("Bearer {key}"))
            .call()
            .unwrap();
        assert_eq!(r.status(), 200);
        r.body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_vec()
            .unwrap()
    }
}

impl Client for Server {
    fn key(&self) -> &str {
        &self.key
    }

    fn send_raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&[u8]>,
        ctype: &str,
        auth: Option<&str>,
    ) -> Resp {
        let mut req = ureq::http::Request::builder()
            .method(method)
            .uri(format!("{}{}", self.url, path))
            .header("Accept", "application/json");
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        if body.is_some() {
            req = req.header("Content-Type", ctype);
        }
        let req = req
            .body(body.map(<[u8]>::to_vec).unwrap_or_default())
            .unwrap();
        let mut r = self.agent.run(req).expect("request");
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r
            .body_mut()
            .with_config()
            .limit(64 * 1024 * 1024)
            .read_to_string()
            .unwrap_or_default();
        Resp::new(status, headers, text)
    }
}

/// Run `wirewatch serve` on `dir` with environment variables `envs` (an
/// empty value removes the variable), expecting it to refuse to start:
/// returns its standard error. Fails if it starts listening or runs on.
pub fn refused_start(dir: &Path, envs: &[(&str, &str)]) -> String {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wirewatch"));
    cmd.arg("serve")
        .arg("--data-dir")
        .arg(dir)
        .args(["--listen", "127.0.0.1:0", "--no-tls"])
        .env("WIREWATCH_SETUP_PASSWORD", PASSWORD)
        .env("WIREWATCH_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in envs {
        if v.is_empty() {
            cmd.env_remove(k);
        } else {
            cmd.env(k, v);
        }
    }
    let mut child = cmd.spawn().expect("start wirewatch");
    let end = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if std::time::Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("wirewatch serve did not refuse to start");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!status.success(), "wirewatch serve started: {stdout}");
    assert!(!stdout.contains("listening on"), "{stdout}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A capture shipped in the repository's `samples/pcaps` (the README's run command's).
pub fn sample(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../samples/pcaps")
        .join(name)
        .display()
        .to_string()
}

/// `wirewatch ingest --quiet --data-dir DIR ARGS… FILES…`: (success, stdout, stderr).
pub fn ingest_into(
    dir: &Path,
    args: &[&str],
    files: &[impl AsRef<std::ffi::OsStr>],
) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wirewatch"))
        .args(["ingest", "--quiet", "--data-dir"])
        .arg(dir)
        .args(args)
        .args(files)
        .env("WIREWATCH_LOG", "warn")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The number after `label` in an ingest summary.
pub fn summary_number(text: &str, label: &str) -> u64 {
    let at = text
        .find(label)
        .unwrap_or_else(|| panic!("no \"{label}\" in {text}"));
    text[at + label.len()..]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number after \"{label}\" in {text}"))
}

/// Poll `f` every 50 ms until it gives a value; panics after `secs` with
/// what was awaited and `f`'s last view of it (`Err`).
pub fn wait_for<T>(what: &str, secs: u64, mut f: impl FnMut() -> Result<T, String>) -> T {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    loop {
        match f() {
            Ok(v) => return v,
            Err(last) if std::time::Instant::now() >= deadline => {
                panic!("timed out waiting for {what}: {last}")
            }
            Err(_) => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}
