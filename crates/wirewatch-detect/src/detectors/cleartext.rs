//! Credentials sent in the clear: HTTP Basic authentication over plain HTTP,
//! and FTP logins.

use super::{detection, ip_participant, Once};
use serde_json::json;
use wirewatch_model::detection::{NewDetection, Role};
use wirewatch_sensor::analyzers::ftp::FtpEvent;
use wirewatch_sensor::analyzers::http::HttpEvent;
use wirewatch_sensor::sensor::Endpoints;

/// The cleartext-credentials detector: once per client, server, protocol and user.
#[derive(Default)]
pub struct Cleartext {
    once: Once,
}

impl Cleartext {
    pub fn http(&mut self, e: &Endpoints, ev: &HttpEvent) -> Option<NewDetection> {
        let user = ev.basic_user.as_ref()?;
        if !self
            .once
            .first(format!("http {} {} {user}", e.client.0, e.server.0))
        {
            return None;
        }
        let host = ev.host.clone().unwrap_or_else(|| e.server.0.to_string());
        let mut d = detection(
            "cleartext_credentials",
            ev.ts_ns / 1_000_000,
            ev.ts_ns / 1_000_000,
            vec![
                ip_participant(e.client.0, Role::Offender),
                ip_participant(e.server.0, Role::Victim),
            ],
            json!({"protocol": "HTTP", "username": user, "uris": [format!("http://{host}{}", ev.uri)]}),
            format!(
                "{} sent HTTP Basic credentials for \"{user}\" unencrypted to {host}.",
                e.client.0
            ),
        );
        d.participants[0].usernames = vec![user.clone()];
        Some(d)
    }

    pub fn ftp(&mut self, e: &Endpoints, ev: &FtpEvent) -> Option<NewDetection> {
        if ev.command != "PASS" {
            return None;
        }
        let user = ev.user.clone().unwrap_or_default();
        if user.eq_ignore_ascii_case("anonymous") || user.eq_ignore_ascii_case("ftp") {
            return None;
        }
        if !self
            .once
            .first(format!("ftp {} {} {user}", e.client.0, e.server.0))
        {
            return None;
        }
        Some(detection(
            "cleartext_credentials",
            e.ts_ns / 1_000_000,
            e.ts_ns / 1_000_000,
            vec![
                ip_participant(e.client.0, Role::Offender),
                ip_participant(e.server.0, Role::Victim),
            ],
            json!({"protocol": "FTP", "username": user}),
            format!(
                "{} sent an FTP password for \"{user}\" unencrypted to {}.",
                e.client.0, e.server.0
            ),
        ))
    }
}
