//! Benchmark helpers: deterministic synthetic detections.

use serde_json::json;
use wirewatch_model::detection::{
    NewDetection, NewParticipant, ParticipantKind, Resolution, Role, Status,
};

const TYPES: &[&str] = &[
    "port_scan",
    "ssh_brute_force",
    "ftp_brute_force",
    "dns_tunnel",
    "suspicious_tld",
    "cleartext_credentials",
    "new_external_admin_connection",
    "sqli_attack",
    "hacking_tools",
    "ids_alert",
];

/// A small deterministic generator (xorshift), so runs are comparable.
pub struct Gen(u64);

impl Gen {
    pub fn new(seed: u64) -> Self {
        Gen(seed.max(1))
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n
    }

    fn ip(&mut self) -> String {
        format!(
            "10.{}.{}.{}",
            self.below(16),
            self.below(256),
            1 + self.below(254)
        )
    }

    /// The `i`-th synthetic detection: a spread of types, scores and times.
    pub fn detection(&mut self, i: u64, base_time: i64) -> NewDetection {
        let kind = TYPES[self.below(TYPES.len() as u64) as usize];
        let start = base_time + (i as i64) * 1000;
        let ongoing = self.below(10) == 0;
        NewDetection {
            kind: kind.to_string(),
            risk_score: Some(self.below(100) as u8),
            start_time: Some(start),
            end_time: (!ongoing).then(|| start + self.below(600_000) as i64),
            properties: json!({"seq": i, "note": "synthetic benchmark detection"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            participants: vec![
                NewParticipant {
                    object_type: ParticipantKind::Ipaddr,
                    object_id: None,
                    object_value: Some(self.ip()),
                    role: Role::Offender,
                    ipaddr: None,
                    hostname: None,
                    external: None,
                    scanner_service: None,
                    usernames: vec![],
                    origins: vec![],
                },
                NewParticipant {
                    object_type: ParticipantKind::Device,
                    object_id: Some(self.below(5000)),
                    object_value: None,
                    role: Role::Victim,
                    ipaddr: Some(self.ip()),
                    hostname: None,
                    external: None,
                    scanner_service: None,
                    usernames: vec![],
                    origins: vec![],
                },
            ],
            assignee: (self.below(4) == 0).then(|| format!("analyst{}", self.below(20))),
            ticket_id: (self.below(5) == 0).then(|| format!("TK-{}", self.below(100_000))),
            ..NewDetection::default()
        }
    }

    /// The `i`-th detection as a sensor's store looks after weeks of triage
    /// (the web app's figures): `spacing_ms` apart from `base_time`, about
    /// half open, the rest in progress, acknowledged or closed (closed
    /// ones resolved), some recommended, a quarter assigned, a fifth ticketed.
    pub fn triaged_detection(&mut self, i: u64, base_time: i64, spacing_ms: i64) -> NewDetection {
        let mut d = self.detection(0, base_time);
        let start = base_time + (i as i64) * spacing_ms;
        d.end_time = d.end_time.map(|e| e - d.start_time.unwrap_or(0) + start);
        d.start_time = Some(start);
        d.properties.insert("seq".into(), json!(i));
        let status = match self.below(20) {
            0..=9 => None,
            10..=12 => Some(Status::InProgress),
            13..=15 => Some(Status::Acknowledged),
            _ => Some(Status::Closed),
        };
        d.status = status;
        if status == Some(Status::Closed) {
            d.resolution = Some(if self.below(3) == 0 {
                Resolution::ActionTaken
            } else {
                Resolution::NoActionTaken
            });
        }
        d.recommended = Some(self.below(50) == 0);
        d
    }
}
