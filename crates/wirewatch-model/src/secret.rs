//! Which configured HTTP headers carry credentials.
//!
//! A header a user configures (a webhook connector's `config.headers`, an
//! HTTP ODS target's `additional_header`) is write-only when its name says it
//! carries a credential: answers leave its value out, the store keeps it
//! encrypted, and it is still sent to the receiver.

/// Words that make a header name a secret one, matched case-insensitively
/// anywhere in the name: `Authorization`, `Proxy-Authorization`, `X-Api-Key`,
/// `X-Auth-Token`, `X-Session-Id`, `Cookie`, `Set-Cookie`, …
pub const SECRET_HEADER_WORDS: [&str; 9] = [
    "key",
    "token",
    "secret",
    "auth",
    "password",
    "passwd",
    "session",
    "cookie",
    "credential",
];

/// Whether a header of this name is write-only.
pub fn is_secret_header(name: &str) -> bool {
    let name = name.trim().to_ascii_lowercase();
    SECRET_HEADER_WORDS.iter().any(|w| name.contains(w))
}

/// Whether a `"Name: value"` header line is write-only (by its name).
pub fn is_secret_header_line(line: &str) -> bool {
    line.split_once(':')
        .is_some_and(|(name, _)| is_secret_header(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_headers_are_secret_and_others_are_not() {
        for h in [
            "Authorization",
            "proxy-authorization",
            "Cookie",
            "Set-Cookie",
            "X-Api-Key",
            "X-AUTH-TOKEN",
            "X-Session",
            "X-Client-Secret",
            "X-Password",
        ] {
            assert!(is_secret_header(h), "{h}");
        }
        for h in [
            "X-Team",
            "Accept",
            "Content-Type",
            "Keep-Alive",
            "User-Agent",
        ] {
            assert!(!is_secret_header(h), "{h}");
        }
        assert!(is_secret_header_line("Authorization: Bearer x"));
        assert!(!is_secret_header_line("X-Team: soc"));
        assert!(!is_secret_header_line("no colon"));
    }
}
