//! Threat intelligence detections (`threat_intel_match`): one per
//! collection, observable and device that touched it, whatever the number
//! of records that matched (a host looking a name up a thousand times is
//! one detection).
//!
//! Participants are the devices of the record, by address: the device that
//! looked the name up, connected or fetched is the `victim`; the other end
//! is the `offender` when it is the observable's (a flow's matched address,
//! the server of an HTTP request or TLS session); a DNS server is no
//! participant (it only answered).

use crate::matcher::Matcher;
use serde_json::json;
use std::collections::HashSet;
use std::net::IpAddr;
use wirewatch_model::detection::{NewDetection, NewParticipant, Role};
use wirewatch_model::record::NewRecord;
use wirewatch_model::threat::ThreatMatch;

/// The detection type.
pub const KIND: &str = "threat_intel_match";

/// Distinct (collection, observable, device) kept before forgetting them all.
const MAX_SEEN: usize = 1_000_000;

/// The detection of one match of a record (`kind` its type, `client` /
/// `server` its ends).
pub fn detection(
    m: &ThreatMatch,
    record_kind: &str,
    time_ms: i64,
    client: Option<IpAddr>,
    server: Option<IpAddr>,
    back_search: bool,
) -> NewDetection {
    let mut participants = Vec::new();
    let (victim, offender) = match (m.field.as_str(), record_kind) {
        ("senderAddr", _) => (server, client),
        (_, "~dns_request" | "~dns_response") => (client, None),
        _ => (client, server),
    };
    if let Some(ip) = victim {
        participants.push(NewParticipant::address(ip, Role::Victim));
    }
    if let Some(ip) = offender {
        participants.push(NewParticipant::address(ip, Role::Offender));
    }
    let who = victim.map_or_else(|| "A device".to_string(), |ip| ip.to_string());
    let what = match m.field.as_str() {
        "qname" => "looked up",
        "answers" => "was answered",
        "uri" => "fetched",
        "host" if record_kind == "~ssl_open" => "opened a TLS session to",
        "host" => "sent an HTTP request to",
        _ => "exchanged traffic with",
    };
    let value = if m.value == m.observable {
        m.value.clone()
    } else {
        format!("{} (matching {})", m.value, m.observable)
    };
    NewDetection {
        kind: KIND.into(),
        description: Some(format!(
            "{who} {what} {value}, an observable ({}) of the threat collection \"{}\".",
            m.kind.as_str(),
            m.collection
        )),
        start_time: Some(time_ms),
        end_time: Some(time_ms),
        participants,
        properties: json!({
            "collection": m.collection,
            "collection_id": m.collection_id,
            "observable": m.observable,
            "observable_type": m.kind.as_str(),
            "record_field": m.field,
            "record_type": record_kind,
            "value": m.value,
            "back_search": back_search,
        })
        .as_object()
        .cloned()
        .unwrap_or_default(),
        ..NewDetection::default()
    }
}

/// The record ends as addresses.
pub fn ends(r: &NewRecord) -> (Option<IpAddr>, Option<IpAddr>) {
    let ix = r.record.indexed();
    let p = |s: Option<String>| s.and_then(|s| s.parse().ok());
    (p(ix.client_addr), p(ix.server_addr))
}

/// Marks records that match and raises a detection per (collection,
/// observable, device) it has not raised yet.
#[derive(Default)]
pub struct Raiser {
    seen: HashSet<(u64, String, Option<IpAddr>)>,
}

impl Raiser {
    /// Whether this (collection, observable, device) is new.
    pub fn first(&mut self, m: &ThreatMatch, device: Option<IpAddr>) -> bool {
        if self.seen.len() >= MAX_SEEN {
            self.seen.clear();
        }
        self.seen
            .insert((m.collection_id, m.observable.clone(), device))
    }

    /// Check each record, set its `threat` field, and return the
    /// detections raised.
    pub fn mark(&mut self, matcher: &Matcher, records: &mut [NewRecord]) -> Vec<NewDetection> {
        let mut out = Vec::new();
        if matcher.is_empty() {
            return out;
        }
        for r in records.iter_mut() {
            let hits = matcher.check(&r.record);
            if hits.is_empty() {
                continue;
            }
            let (client, server) = ends(r);
            let kind = r.kind();
            for m in &hits {
                let device = if m.field == "senderAddr" {
                    server
                } else {
                    client
                };
                if self.first(m, device) {
                    out.push(detection(m, kind, r.time_ms, client, server, false));
                }
            }
            r.threat = hits;
        }
        out
    }
}
