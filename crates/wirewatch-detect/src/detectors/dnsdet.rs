//! DNS detectors: tunnels (long or high-entropy names, TXT volume) and
//! suspicious top-level domains.

use super::{detection, ip_participant, Once, Thresholds};
use serde_json::json;
use std::collections::HashMap;
use std::net::IpAddr;
use wirewatch_model::detection::{NewDetection, Role};
use wirewatch_sensor::analyzers::dns::DnsEvent;
use wirewatch_sensor::sensor::Endpoints;

/// Top-level domains often registered for abuse (cheap or free registration, lures).
pub const SUSPICIOUS_TLDS: &[&str] = &[
    "zip",
    "mov",
    "top",
    "xyz",
    "tk",
    "ml",
    "ga",
    "cf",
    "gq",
    "work",
    "click",
    "country",
    "kim",
    "loan",
    "men",
    "party",
    "review",
    "stream",
    "download",
    "racing",
    "cricket",
    "science",
    "accountant",
    "date",
    "faith",
    "win",
    "bid",
    "trade",
];

/// Second-level labels under which registrations sit one level deeper (`example.co.uk`).
const SECOND_LEVEL: &[&str] = &["co", "com", "net", "org", "gov", "ac", "edu", "ne", "or"];

/// The registered domain of a name (without a public-suffix list: two labels, or
/// three under common second-level labels of country domains).
pub fn registered_domain(name: &str) -> String {
    let labels: Vec<&str> = name
        .trim_end_matches('.')
        .split('.')
        .filter(|l| !l.is_empty())
        .collect();
    let n = labels.len();
    let take = if n >= 3 && labels[n - 1].len() == 2 && SECOND_LEVEL.contains(&labels[n - 2]) {
        3
    } else {
        2
    };
    labels[n.saturating_sub(take)..].join(".").to_lowercase()
}

/// Shannon entropy in bits per character.
pub fn entropy(s: &str) -> f64 {
    let mut counts = [0u32; 256];
    for b in s.bytes() {
        counts[b as usize] += 1;
    }
    let n = s.len() as f64;
    if n == 0.0 {
        return 0.0;
    }
    counts
        .iter()
        .filter(|c| **c > 0)
        .map(|c| {
            let p = f64::from(*c) / n;
            -p * p.log2()
        })
        .sum()
}

#[derive(Default)]
struct Tunnel {
    first_ms: i64,
    last_ms: i64,
    queries: u64,
    suspicious: u64,
    txt: u64,
    max_label: usize,
    max_entropy: f64,
}

/// The DNS detectors.
pub struct DnsDetectors {
    pub(super) t: Thresholds,
    tunnels: HashMap<(IpAddr, String), Tunnel>,
    once: Once,
}

impl DnsDetectors {
    pub fn new(t: Thresholds) -> Self {
        DnsDetectors {
            t,
            tunnels: HashMap::new(),
            once: Once::default(),
        }
    }

    pub fn query(&mut self, e: &Endpoints, ev: &DnsEvent) -> Vec<NewDetection> {
        let mut out = Vec::new();
        let name = ev.query.trim_end_matches('.').to_lowercase();
        if name.is_empty()
            || name.ends_with(".local")
            || name.ends_with(".arpa")
            || !name.contains('.')
        {
            return out;
        }
        let t = ev.ts_ns / 1_000_000;
        let domain = registered_domain(&name);
        let tld = name.rsplit('.').next().unwrap_or_default().to_string();
        if SUSPICIOUS_TLDS.contains(&tld.as_str())
            && self.once.first(format!("tld {} {domain}", e.client.0))
        {
            out.push(detection(
                "suspicious_tld",
                t,
                t,
                vec![ip_participant(e.client.0, Role::Offender), ip_participant(e.server.0, Role::Victim)],
                json!({"top_level_domain": tld, "domain": domain}),
                format!("{} looked up {domain}, under the .{tld} top-level domain often used for abuse.", e.client.0),
            ));
        }
        let sub = name
            .strip_suffix(&domain)
            .unwrap_or("")
            .trim_end_matches('.');
        let max_label = name.split('.').map(str::len).max().unwrap_or(0);
        let ent = entropy(&sub.replace('.', ""));
        let window = self.t.window_ms;
        let tn = self
            .tunnels
            .entry((e.client.0, domain.clone()))
            .or_default();
        if tn.queries > 0 && t - tn.first_ms > window {
            *tn = Tunnel::default();
        }
        if tn.queries == 0 {
            tn.first_ms = t;
        }
        tn.last_ms = tn.last_ms.max(t);
        tn.queries += 1;
        let txt = ev.qtype == 16;
        tn.txt += u64::from(txt);
        if max_label >= self.t.dns_long_label
            || (sub.len() >= 20 && ent >= self.t.dns_entropy)
            || txt
        {
            tn.suspicious += 1;
        }
        tn.max_label = tn.max_label.max(max_label);
        tn.max_entropy = tn.max_entropy.max(ent);
        if tn.suspicious >= self.t.dns_tunnel_queries
            && self.once.first(format!("tunnel {} {domain}", e.client.0))
        {
            out.push(detection(
                "dns_tunnel",
                tn.first_ms,
                tn.last_ms,
                vec![ip_participant(e.client.0, Role::Offender), ip_participant(e.server.0, Role::Victim)],
                json!({"registered_domain_name": domain, "query_count": tn.queries, "max_label_length": tn.max_label,
                       "entropy": (tn.max_entropy * 100.0).round() / 100.0, "txt_queries": tn.txt}),
                format!(
                    "{} sent {} unusual DNS queries under {domain} (long or random-looking names, TXT lookups).",
                    e.client.0, tn.suspicious
                ),
            ));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ends() -> Endpoints {
        Endpoints {
            flow_id: 1,
            ts_ns: 0,
            client: ("10.0.0.5".parse().unwrap(), 5000),
            server: ("10.0.0.1".parse().unwrap(), 53),
            vlan: None,
        }
    }

    fn q(name: &str, qtype: u16, i: i64) -> DnsEvent {
        DnsEvent {
            id: 1,
            query: name.into(),
            qtype,
            ts_ns: i * 1_000_000_000,
            rcode: None,
            answers: vec![],
            ttls: vec![],
            addresses: vec![],
            rtt_ms: None,
            authoritative: false,
        }
    }

    #[test]
    fn registered_domains_and_entropy() {
        assert_eq!(registered_domain("a.b.example.com"), "example.com");
        assert_eq!(registered_domain("www.bbc.co.uk"), "bbc.co.uk");
        assert!(entropy("aaaaaaaa") < 0.1);
        assert!(entropy("q8z3k1x9v7m2") > 3.0);
    }

    #[test]
    fn tunnel_fires_on_encoded_names_and_not_on_browsing() {
        let mut d = DnsDetectors::new(Thresholds::default());
        let mut raised = Vec::new();
        let mut x: u64 = 7;
        for i in 0..40 {
            let label: String = (0..40)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[(x % 36) as usize])
                })
                .collect();
            raised.extend(d.query(&ends(), &q(&format!("{label}.t.evil-tunnel.com"), 16, i)));
        }
        assert_eq!(raised.len(), 1);
        assert_eq!(raised[0].kind, "dns_tunnel");
        assert_eq!(
            raised[0].properties["registered_domain_name"],
            "evil-tunnel.com"
        );
        let mut d = DnsDetectors::new(Thresholds::default());
        for i in 0..200 {
            assert!(d.query(&ends(), &q("www.wikipedia.org", 1, i)).is_empty());
        }
    }

    #[test]
    fn suspicious_tld_fires_once() {
        let mut d = DnsDetectors::new(Thresholds::default());
        let a = d.query(&ends(), &q("invoice-update.zip", 1, 0));
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].properties["top_level_domain"], "zip");
        assert!(d.query(&ends(), &q("invoice-update.zip", 1, 1)).is_empty());
        assert!(d.query(&ends(), &q("example.org", 1, 2)).is_empty());
    }
}
