//! SSH and FTP brute force: repeated failed logins from one client.

use super::{detection, ip_participant, Once, Thresholds};
use serde_json::json;
use std::collections::HashMap;
use std::net::IpAddr;
use wirewatch_model::detection::{NewDetection, Role};
use wirewatch_sensor::analyzers::ftp::FtpEvent;
use wirewatch_sensor::sensor::Endpoints;
use wirewatch_sensor::FlowRecord;

#[derive(Default, Debug)]
struct Tally {
    attempts: u32,
    failures: u32,
    first_ms: i64,
    last_ms: i64,
    users: Vec<String>,
}

impl Tally {
    fn add(&mut self, t: i64, failed: bool, window: i64) {
        if self.attempts > 0 && t - self.first_ms > window {
            *self = Tally::default();
        }
        if self.attempts == 0 {
            self.first_ms = t;
        }
        self.attempts += 1;
        self.failures += u32::from(failed);
        self.last_ms = self.last_ms.max(t);
    }
}

/// The brute-force detectors.
pub struct BruteForce {
    pub(super) t: Thresholds,
    ssh: HashMap<(IpAddr, IpAddr), Tally>,
    ftp: HashMap<(IpAddr, IpAddr), Tally>,
    once: Once,
}

impl BruteForce {
    pub fn new(t: Thresholds) -> Self {
        BruteForce {
            t,
            ssh: HashMap::new(),
            ftp: HashMap::new(),
            once: Once::default(),
        }
    }

    /// SSH: a short connection that completed the handshake but on which the
    /// server said little is a failed password attempt (the content is encrypted).
    pub fn flow(&mut self, f: &FlowRecord) -> Option<NewDetection> {
        let ssh = f.service == Some("ssh") || (f.proto == 6 && f.resp.1 == 22);
        if !ssh || !f.history.contains('h') || f.orig_bytes == 0 {
            return None;
        }
        let t = f.first_ns / 1_000_000;
        let dur = (f.last_ns - f.first_ns) / 1_000_000;
        let failed =
            f.resp_bytes < self.t.ssh_failed_max_server_bytes && dur < self.t.ssh_max_failed_ms;
        let key = (f.orig.0, f.resp.0);
        let tally = self.ssh.entry(key).or_default();
        tally.add(t, failed, self.t.window_ms);
        if tally.failures < self.t.ssh_failures
            || !self.once.first(format!("ssh {} {}", key.0, key.1))
        {
            return None;
        }
        Some(detection(
            "ssh_brute_force",
            tally.first_ms,
            tally.last_ms,
            vec![ip_participant(key.0, Role::Offender), ip_participant(key.1, Role::Victim)],
            json!({"attempts": tally.attempts, "failures": tally.failures, "server_port": f.resp.1}),
            format!(
                "{} appears to be guessing SSH passwords on {} ({} failed logins in {} connections).",
                key.0, key.1, tally.failures, tally.attempts
            ),
        ))
    }

    /// FTP: 530 replies to PASS are failed logins.
    pub fn ftp(&mut self, e: &Endpoints, ev: &FtpEvent) -> Option<NewDetection> {
        if ev.command != "PASS" {
            return None;
        }
        let failed = ev.reply_code == 530;
        let key = (e.client.0, e.server.0);
        let t = e.ts_ns / 1_000_000;
        let tally = self.ftp.entry(key).or_default();
        tally.add(t, failed, self.t.window_ms);
        if let Some(u) = &ev.user {
            if !tally.users.contains(u) && tally.users.len() < 20 {
                tally.users.push(u.clone());
            }
        }
        if tally.failures < self.t.ftp_failures
            || !self.once.first(format!("ftp {} {}", key.0, key.1))
        {
            return None;
        }
        Some(detection(
            "ftp_brute_force",
            tally.first_ms,
            tally.last_ms,
            vec![
                ip_participant(key.0, Role::Offender),
                ip_participant(key.1, Role::Victim),
            ],
            json!({"attempts": tally.attempts, "failures": tally.failures, "usernames": tally.users}),
            format!(
                "{} had {} failed FTP logins on {}.",
                key.0, tally.failures, key.1
            ),
        ))
    }
}
