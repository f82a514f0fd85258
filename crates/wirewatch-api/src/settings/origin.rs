//! CORS origins of the `access` section: `scheme://host[:port]`, checked
//! and normalised.

use super::{Access, MAX_ORIGINS};
use crate::error::ApiError;

/// An origin as browsers send it: `scheme://host[:port]`, lower case.
fn origin(raw: &str) -> Result<String, &'static str> {
    let lower = raw.trim().to_ascii_lowercase();
    if lower.len() > 255 {
        return Err("is longer than 255 characters");
    }
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    if rest.contains(['/', '?', '#', '@', ' ', '*']) {
        return Err("must be a scheme, a host name and optionally a port, without a path");
    }
    let (host, port) = if rest.starts_with('[') {
        // An IPv6 address: [addr] or [addr]:port.
        let end = rest
            .find(']')
            .ok_or("has an IPv6 address without its closing ']'")?;
        let after = &rest[end + 1..];
        match after.strip_prefix(':') {
            Some(p) => (&rest[..=end], Some(p)),
            None if after.is_empty() => (&rest[..=end], None),
            None => return Err("has text after its IPv6 address"),
        }
    } else {
        match rest.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (rest, None),
        }
    };
    if host.is_empty() || host == "[]" {
        return Err("has no host name");
    }
    if let Some(p) = port {
        if p.parse::<u16>().map_or(true, |n| n == 0) {
            return Err("has a port that is not a number in 1-65535");
        }
    }
    Ok(lower)
}

pub(super) fn check_access(mut a: Access) -> Result<Access, ApiError> {
    if a.cors.allowed_origins.len() > MAX_ORIGINS {
        return Err(ApiError::invalid(
            "/access/cors/allowed_origins",
            format!("at most {MAX_ORIGINS} origins"),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for (i, o) in a.cors.allowed_origins.iter().enumerate() {
        let o = origin(o)
            .map_err(|why| ApiError::invalid(format!("/access/cors/allowed_origins/{i}"), why))?;
        if !out.contains(&o) {
            out.push(o);
        }
    }
    a.cors.allowed_origins = out;
    Ok(a)
}

#[cfg(test)]
mod tests {
    use super::origin;

    #[test]
    fn origins_are_a_scheme_a_host_and_a_port() {
        assert_eq!(
            origin("HTTPS://Soar.Example.com").unwrap(),
            "https://soar.example.com"
        );
        assert!(origin("https://soar.example.com:8443").is_ok());
        assert!(origin("http://[::1]:8080").is_ok());
        assert!(origin("soar.example.com").is_err());
        assert!(origin("https://soar.example.com/app").is_err());
        assert!(origin("https://soar.example.com:99999").is_err());
        assert!(origin("https://").is_err());
        assert!(origin("ftp://x").is_err());
    }
}
