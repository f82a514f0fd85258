//! SP-initiated login: the `AuthnRequest` (HTTP-Redirect binding: raw
//! deflate, base64, URL-encoded, unsigned) and the requests still waiting
//! for their answer, so that a Response's `InResponseTo` can be checked.

use base64::Engine as _;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::io::Write as _;
use std::net::IpAddr;
use std::time::{Duration, Instant};

/// An `AuthnRequest` to send the browser to the IdP with.
#[derive(Debug, Clone)]
pub struct AuthnRequest {
    /// The request's ID (the Response's InResponseTo).
    pub id: String,
    /// The IdP's SSO URL with `SAMLRequest` and `RelayState`.
    pub redirect_url: String,
}

fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// An xs:dateTime (UTC, seconds) of ms since the epoch.
pub fn format_instant(ms: i64) -> String {
    let t = time::OffsetDateTime::from_unix_timestamp(ms.div_euclid(1000))
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Build an AuthnRequest from this SP (`sp_entity_id`, answers to
/// `acs_url` by HTTP-POST) to the IdP at `sso_url`.
pub fn authn_request(
    sso_url: &str,
    sp_entity_id: &str,
    acs_url: &str,
    relay_state: &str,
    now_ms: i64,
) -> Result<AuthnRequest, String> {
    let id = format!("_ww{}", hex::encode(rand::random::<[u8; 20]>()));
    let xml = format!(
        r#"<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="{id}" Version="2.0" IssueInstant="{instant}" Destination="{dest}" AssertionConsumerServiceURL="{acs}" ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>{issuer}</saml:Issuer><samlp:NameIDPolicy AllowCreate="true"/></samlp:AuthnRequest>"#,
        instant = format_instant(now_ms),
        dest = escape(sso_url),
        acs = escape(acs_url),
        issuer = escape(sp_entity_id),
    );
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(xml.as_bytes()).map_err(|e| e.to_string())?;
    let deflated = z.finish().map_err(|e| e.to_string())?;
    let encoded = base64::engine::general_purpose::STANDARD.encode(deflated);
    let mut url = url::Url::parse(sso_url).map_err(|e| format!("the IdP's SSO URL: {e}"))?;
    url.query_pairs_mut()
        .append_pair("SAMLRequest", &encoded)
        .append_pair("RelayState", relay_state);
    Ok(AuthnRequest {
        id,
        redirect_url: url.to_string(),
    })
}

/// A request waiting for its Response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The IdP it was sent to.
    pub idp: u64,
    /// Where the app goes after login (a path under `/app`).
    pub next: String,
    source: Option<IpAddr>,
    at: Instant,
}

/// The requests waiting for their Response: each lives [`Requests::ttl`],
/// at most `per_source` per client address and `max` in all (the oldest
/// make room). In memory: a restart forgets them, and a login started
/// before it must be started again.
pub struct Requests {
    ttl: Duration,
    max: usize,
    per_source: usize,
    map: Mutex<HashMap<String, Pending>>,
}

impl Default for Requests {
    fn default() -> Self {
        Requests::new(Duration::from_secs(10 * 60), 10_000, 32)
    }
}

impl Requests {
    pub fn new(ttl: Duration, max: usize, per_source: usize) -> Requests {
        Requests {
            ttl,
            max,
            per_source,
            map: Mutex::default(),
        }
    }

    /// Remember a request; `false` when its source has too many waiting.
    pub fn insert(&self, id: String, idp: u64, next: String, source: Option<IpAddr>) -> bool {
        let now = Instant::now();
        let mut m = self.map.lock();
        m.retain(|_, p| now.duration_since(p.at) < self.ttl);
        if source.is_some() && m.values().filter(|p| p.source == source).count() >= self.per_source
        {
            return false;
        }
        while m.len() >= self.max {
            let Some(oldest) = m.iter().min_by_key(|(_, p)| p.at).map(|(k, _)| k.clone()) else {
                break;
            };
            m.remove(&oldest);
        }
        m.insert(
            id,
            Pending {
                idp,
                next,
                source,
                at: now,
            },
        );
        true
    }

    /// The request `id` answers, if it is still waiting.
    pub fn get(&self, id: &str) -> Option<Pending> {
        let m = self.map.lock();
        m.get(id).filter(|p| p.at.elapsed() < self.ttl).cloned()
    }

    /// Forget a request (answered).
    pub fn remove(&self, id: &str) -> Option<Pending> {
        self.map.lock().remove(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read as _;

    #[test]
    fn the_request_is_deflated_base64_in_the_query() {
        let r = authn_request(
            "https://idp.example.com/sso?tenant=a&b=1",
            "https://s/saml/metadata",
            "https://s/saml/acs",
            "/app",
            86_400_000,
        )
        .unwrap();
        let url = url::Url::parse(&r.redirect_url).unwrap();
        let q: HashMap<String, String> = url.query_pairs().into_owned().collect();
        assert_eq!(q["tenant"], "a", "the SSO URL's own query is kept");
        assert_eq!(q["RelayState"], "/app");
        let raw = base64::engine::general_purpose::STANDARD
            .decode(&q["SAMLRequest"])
            .unwrap();
        let mut xml = String::new();
        flate2::read::DeflateDecoder::new(&raw[..])
            .read_to_string(&mut xml)
            .unwrap();
        assert!(xml.contains(&format!("ID=\"{}\"", r.id)), "{xml}");
        assert!(
            xml.contains("IssueInstant=\"1970-01-02T00:00:00Z\""),
            "{xml}"
        );
        assert!(
            xml.contains("Destination=\"https://idp.example.com/sso?tenant=a&amp;b=1\""),
            "{xml}"
        );
        assert!(xml.contains("<saml:Issuer>https://s/saml/metadata</saml:Issuer>"));
        assert!(xml.contains("AssertionConsumerServiceURL=\"https://s/saml/acs\""));
    }

    #[test]
    fn pending_requests_are_bounded_and_expire() {
        let src: Option<IpAddr> = Some("10.0.0.1".parse().unwrap());
        let r = Requests::new(Duration::from_secs(60), 3, 2);
        assert!(r.insert("a".into(), 1, "/app".into(), src));
        assert!(r.insert("b".into(), 1, "/app".into(), src));
        assert!(!r.insert("c".into(), 1, "/app".into(), src), "per source");
        let other = Some("10.0.0.2".parse().unwrap());
        assert!(r.insert("c".into(), 2, "/app".into(), other));
        assert!(r.insert("d".into(), 2, "/app".into(), None));
        assert_eq!(r.get("a"), None, "the oldest made room");
        assert_eq!(r.get("c").unwrap().idp, 2);
        assert!(r.remove("c").is_some());
        assert_eq!(r.get("c"), None);
        let short = Requests::new(Duration::from_millis(1), 3, 2);
        assert!(short.insert("x".into(), 1, "/app".into(), None));
        std::thread::sleep(Duration::from_millis(5));
        assert_eq!(short.get("x"), None);
    }
}
