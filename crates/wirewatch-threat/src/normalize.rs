//! One spelling per observable, and the same spelling for what traffic
//! shows: addresses in their canonical form (IPv4-mapped IPv6 as IPv4),
//! CIDR blocks truncated to their network, host names in lower case without
//! a trailing dot, URLs without scheme, default port or fragment.

use ipnet::IpNet;
use std::net::IpAddr;
use wirewatch_model::threat::{Observable, ObservableKind};

/// Longest host name (RFC 1035).
pub const MAX_HOSTNAME: usize = 253;
/// Longest URL kept as an observable (longer ones are refused).
pub const MAX_URI: usize = 4096;

/// An address as records and observables spell it.
pub fn ip(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        v4 => v4,
    }
}

/// A host name in lower case, without trailing dot; `None` when it is not
/// a host name (empty, too long, a character no name has).
pub fn hostname(s: &str) -> Option<String> {
    let s = s.trim().trim_end_matches('.');
    let s = s.strip_prefix("*.").unwrap_or(s);
    if s.is_empty() || s.len() > MAX_HOSTNAME {
        return None;
    }
    let ok = s.split('.').all(|l| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    });
    ok.then(|| s.to_ascii_lowercase())
}

/// The host part of a `Host` header or SNI: without port, brackets or
/// trailing dot, in lower case (no validation: this is what traffic said).
pub fn traffic_host(h: &str) -> String {
    let h = h.trim();
    let h = if let Some(rest) = h.strip_prefix('[') {
        rest.split(']').next().unwrap_or(rest)
    } else if h.matches(':').count() == 1 {
        h.split(':').next().unwrap_or(h)
    } else {
        h
    };
    h.trim_end_matches('.').to_ascii_lowercase()
}

/// Split `scheme://authority/path?query#fragment` into (host[:port]
/// lower-cased without default port, path?query). Without a scheme, the
/// text up to the first `/` is the authority.
fn split_url(s: &str) -> Option<(String, String)> {
    let s = s.trim();
    let (scheme, rest) = match s.find("://") {
        Some(i) => (s[..i].to_ascii_lowercase(), &s[i + 3..]),
        None => (String::new(), s),
    };
    let rest = rest.split('#').next().unwrap_or(rest);
    let (auth, path) = match rest.find(['/', '?']) {
        Some(i) => (&rest[..i], &rest[i..]),
        None => (rest, "/"),
    };
    let auth = auth.rsplit('@').next().unwrap_or(auth).to_ascii_lowercase();
    if auth.is_empty() {
        return None;
    }
    // The default port goes (`host:80` is `host`); a bare IPv6 address
    // has colons of its own and no port.
    let default_port = match scheme.as_str() {
        "https" => "443",
        _ => "80",
    };
    let auth = match auth.rsplit_once(':') {
        Some((h, p)) if p == default_port && (!h.contains(':') || h.ends_with(']')) => {
            h.to_string()
        }
        _ => auth,
    };
    let auth = auth.trim_end_matches('.').to_string();
    let path = if path.starts_with('?') {
        format!("/{path}")
    } else {
        path.to_string()
    };
    Some((auth, path))
}

/// A URL observable: `host[:port]/path[?query]`.
pub fn uri(s: &str) -> Option<String> {
    if s.len() > MAX_URI || s.chars().any(char::is_whitespace) {
        return None;
    }
    let (auth, path) = split_url(s)?;
    Some(format!("{auth}{path}"))
}

/// The URL of an HTTP request as a URI observable spells it: the `Host`
/// header (or the authority of an absolute-form request target) and the
/// request target.
pub fn request_url(host: Option<&str>, target: &str) -> Option<String> {
    if target.contains("://") {
        return uri(target);
    }
    let host = host?.trim();
    if host.is_empty() {
        return None;
    }
    let target = if target.starts_with('/') {
        target.to_string()
    } else {
        format!("/{target}")
    };
    let (auth, path) = split_url(&format!("http://{host}{target}"))?;
    Some(format!("{auth}{path}"))
}

/// An address, block or name of an address object (STIX 1 `Address`,
/// STIX 2 `ipv4-addr` / `ipv6-addr`): a single address or a CIDR block.
pub fn address(s: &str) -> Option<Observable> {
    let s = s.trim();
    if let Ok(a) = s.parse::<IpAddr>() {
        return Some(Observable {
            kind: ObservableKind::Ipaddr,
            value: ip(a).to_string(),
        });
    }
    let net: IpNet = s.parse().ok()?;
    let net = net.trunc();
    if net.prefix_len() == net.max_prefix_len() {
        return Some(Observable {
            kind: ObservableKind::Ipaddr,
            value: ip(net.addr()).to_string(),
        });
    }
    Some(Observable {
        kind: ObservableKind::Cidr,
        value: net.to_string(),
    })
}

/// A host name observable (an address given as a name is an address).
pub fn host_observable(s: &str) -> Option<Observable> {
    if let Some(a) = address(s) {
        return Some(a);
    }
    hostname(s).map(|value| Observable {
        kind: ObservableKind::Hostname,
        value,
    })
}

/// A URL observable.
pub fn uri_observable(s: &str) -> Option<Observable> {
    uri(s).map(|value| Observable {
        kind: ObservableKind::Uri,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_scheme_default_port_and_fragment() {
        assert_eq!(uri("HTTP://Evil.COM:80/a?b=1#x").unwrap(), "evil.com/a?b=1");
        assert_eq!(uri("https://evil.com:443").unwrap(), "evil.com/");
        assert_eq!(uri("https://evil.com:8443/x").unwrap(), "evil.com:8443/x");
        assert_eq!(uri("evil.com/x").unwrap(), "evil.com/x");
        assert_eq!(uri("http://user@evil.com/x").unwrap(), "evil.com/x");
        assert!(uri("http:///x").is_none());
        assert!(uri("http://a b/").is_none());
        assert_eq!(
            request_url(Some("Evil.com:80"), "/a?b").unwrap(),
            "evil.com/a?b"
        );
        assert_eq!(
            request_url(None, "http://evil.com/p").unwrap(),
            "evil.com/p"
        );
    }

    #[test]
    fn addresses_and_blocks() {
        assert_eq!(address("10.1.2.3/8").unwrap().value, "10.0.0.0/8");
        assert_eq!(address("10.1.2.3/32").unwrap().kind, ObservableKind::Ipaddr);
        assert_eq!(address("::ffff:1.2.3.4").unwrap().value, "1.2.3.4");
        assert_eq!(address("2001:DB8::1").unwrap().value, "2001:db8::1");
        assert!(address("evil.com").is_none());
    }

    #[test]
    fn hostnames() {
        assert_eq!(hostname("Evil.COM.").unwrap(), "evil.com");
        assert_eq!(hostname("*.evil.com").unwrap(), "evil.com");
        assert!(hostname("evil..com").is_none());
        assert!(hostname("evil com").is_none());
        assert_eq!(traffic_host("Evil.com:8080"), "evil.com");
        assert_eq!(traffic_host("[2001:db8::1]:443"), "2001:db8::1");
        assert_eq!(traffic_host("2001:db8::1"), "2001:db8::1");
    }
}
