//! Documents the API fetches on an administrator's behalf (an identity
//! provider's `metadata_url`), limited so the server cannot be turned into a
//! probe of its own network: `https` only unless the running configuration
//! allows `http`; after DNS resolution, a host whose addresses include a
//! loopback, private, link-local, shared (CGNAT), multicast, broadcast or
//! unspecified one is refused unless the running configuration allows
//! internal addresses; every redirect is checked the same way (at most 5);
//! no proxy; 10 s and 256 KiB at most.

use crate::error::ApiError;
use crate::settings::MetadataFetch;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{DefaultConnector, NextTimeout};

/// Longest a fetch may take, redirects included.
pub const FETCH_TIMEOUT: Duration = Duration::from_secs(10);
/// Most redirects followed.
pub const MAX_REDIRECTS: u32 = 5;

/// Why an address is not one to fetch from by default (`None`: it is fine).
pub fn internal(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return internal_v4(v4);
            }
            let first = v6.segments()[0];
            if v6.is_loopback() {
                Some("a loopback address")
            } else if v6.is_unspecified() {
                Some("the unspecified address")
            } else if v6.is_multicast() {
                Some("a multicast address")
            } else if first & 0xffc0 == 0xfe80 {
                Some("a link-local address")
            } else if first & 0xfe00 == 0xfc00 || first & 0xffc0 == 0xfec0 {
                Some("a private (unique or site-local) address")
            } else {
                None
            }
        }
    }
}

fn internal_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a shared (carrier-grade NAT) address")
    } else if ip.is_multicast() {
        Some("a multicast address")
    } else if ip.is_broadcast() {
        Some("the broadcast address")
    } else if ip.is_unspecified() || a == 0 {
        Some("an unspecified (0.0.0.0/8) address")
    } else {
        None
    }
}

/// The system resolver, refusing hosts with an internal address.
#[derive(Debug)]
struct Checked {
    allow_internal: bool,
}

impl Resolver for Checked {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let addrs = DefaultResolver::default().resolve(uri, config, timeout)?;
        if !self.allow_internal {
            for a in addrs.iter() {
                if let Some(why) = internal(a.ip()) {
                    return Err(ureq::Error::Io(std::io::Error::new(
                        std::io::ErrorKind::PermissionDenied,
                        format!(
                            "{} resolves to {} ({why}), refused unless the running configuration allows internal addresses (access.metadata_fetch.allow_internal_addresses)",
                            uri.host().unwrap_or_default(),
                            a.ip()
                        ),
                    )));
                }
            }
        }
        Ok(addrs)
    }
}

/// Fetch `url` (a GET) within the limits of `rules`, at most `max` bytes of
/// body, as text. An error names `field` and says why.
pub async fn fetch(
    url: &str,
    rules: MetadataFetch,
    max: u64,
    field: &'static str,
) -> Result<String, ApiError> {
    let parsed = url::Url::parse(url)
        .ok()
        .filter(|u| matches!(u.scheme(), "https" | "http") && u.host().is_some())
        .ok_or_else(|| ApiError::invalid(field, "must be an https:// URL"))?;
    if parsed.scheme() == "http" && !rules.allow_http {
        return Err(ApiError::invalid(
            field,
            "must be an https:// URL (http is refused unless the running configuration allows it: access.metadata_fetch.allow_http)",
        ));
    }
    let url = parsed.to_string();
    tokio::task::spawn_blocking(move || {
        let config = ureq::Agent::config_builder()
            .timeout_global(Some(FETCH_TIMEOUT))
            .http_status_as_error(false)
            .https_only(!rules.allow_http)
            .proxy(None)
            .max_redirects(MAX_REDIRECTS)
            .build();
        let agent = ureq::Agent::with_parts(
            config,
            DefaultConnector::default(),
            Checked {
                allow_internal: rules.allow_internal_addresses,
            },
        );
        let mut resp = agent
            .get(&url)
            .call()
            .map_err(|e| ApiError::invalid(field, format!("could not be fetched: {e}")))?;
        if !resp.status().is_success() {
            return Err(ApiError::invalid(
                field,
                format!("answered HTTP {}", resp.status().as_u16()),
            ));
        }
        resp.body_mut()
            .with_config()
            .limit(max)
            .read_to_string()
            .map_err(|e| ApiError::invalid(field, format!("could not be read: {e}")))
    })
    .await
    .map_err(|e| ApiError(wirewatch_model::Error::internal(e.to_string())))?
}

#[cfg(test)]
mod tests {
    use super::internal;

    #[test]
    fn internal_addresses_are_named() {
        for a in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "0.0.0.0",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "ff02::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(internal(a.parse().unwrap()).is_some(), "{a}");
        }
        for a in ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "100.128.0.1"] {
            assert!(internal(a.parse().unwrap()).is_none(), "{a}");
        }
    }
}
