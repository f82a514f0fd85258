//! `/ssldecryptkeys`: the RSA private keys the sensor decrypts TLS with
//! (sessions with the RSA key exchange), each with the protocols and
//! server ports it applies to; and `/ssldecryptkeys/keylog` (a wirewatch
//! extension): TLS key logs (`SSLKEYLOGFILE`) for (EC)DHE and TLS 1.3
//! sessions. Private keys and session secrets are write-only, encrypted at
//! rest, never answered. Administrators only, as in the product's
//! administration settings.

use crate::error::{ApiError, ApiResult};
use crate::extract::{Json, Query};
use crate::guard::{Admin, Api, Guard};
use crate::routes::audit;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::json;
use wirewatch_decrypt::RsaKey;
use wirewatch_model::ssl_key::{
    KeylogStatus, KeylogUpload, NewSslDecryptKey, SslDecryptKey, SslDecryptKeyPatch,
    SslKeyProtocol, MAX_NAME, MAX_PROTOCOLS,
};

pub fn routes() -> Api {
    Api::new()
        .get("/ssldecryptkeys", list)
        .post("/ssldecryptkeys", create)
        .get("/ssldecryptkeys/keylog", keylog_status)
        .post("/ssldecryptkeys/keylog", keylog_upload)
        .delete("/ssldecryptkeys/keylog", keylog_delete)
        .get("/ssldecryptkeys/{id}", one)
        .patch("/ssldecryptkeys/{id}", update)
        .delete("/ssldecryptkeys/{id}", remove)
        .get("/ssldecryptkeys/{id}/protocols", protocols)
        .post("/ssldecryptkeys/{id}/protocols", add_protocol)
        .delete("/ssldecryptkeys/{id}/protocols/{protocol}", remove_protocol)
}

/// A key id: 40 hexadecimal digits (SHA-1), any case, no delimiters.
fn key_id(raw: &str) -> ApiResult<String> {
    if raw.len() == 40 && raw.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(raw.to_ascii_lowercase())
    } else {
        Err(ApiError::invalid(
            "id",
            format!(
                "{:?} is not a key id (the 40 hexadecimal digits of the SHA-1 of the key)",
                raw.chars().take(64).collect::<String>()
            ),
        ))
    }
}

fn key(s: &AppState, raw: &str) -> ApiResult<SslDecryptKey> {
    let id = key_id(raw)?;
    s.store
        .ssl_key(&id)?
        .ok_or_else(|| ApiError::not_found(format!("TLS decryption key {id}")))
}

fn name(field: &str, n: &str) -> ApiResult<String> {
    let t = n.trim();
    if t.is_empty() || t.len() > MAX_NAME {
        return Err(ApiError::invalid(
            field,
            format!("must be 1 to {MAX_NAME} characters"),
        ));
    }
    Ok(t.to_string())
}

/// A certificate checked against the key; stored as given (trimmed).
fn certificate(k: &RsaKey, pem: &str) -> ApiResult<String> {
    k.check_certificate(pem)
        .map_err(|e| ApiError::invalid("certificate", e.to_string()))?;
    Ok(pem.trim().to_string())
}

async fn list(
    _: Guard<Admin>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<Vec<SslDecryptKey>>> {
    Ok(axum::Json(s.store.ssl_keys()?))
}

async fn one(
    _: Guard<Admin>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<SslDecryptKey>> {
    Ok(axum::Json(key(&s, &raw)?))
}

/// 201 with the new key's `Location` (its id is the SHA-1 of its public key).
async fn create(
    caller: Guard<Admin>,
    State(s): State<AppState>,
    b: Result<Json<NewSslDecryptKey>, ApiError>,
) -> ApiResult<Response> {
    let Json(b) = b?;
    let pem = b
        .private_key
        .as_deref()
        .ok_or_else(|| ApiError::invalid("private_key", "is required (a PEM RSA private key)"))?;
    let k = tokio::task::spawn_blocking({
        let pem = pem.to_string();
        move || RsaKey::from_pem(&pem)
    })
    .await
    .map_err(|e| {
        ApiError(wirewatch_model::Error::internal(format!(
            "checking a key: {e}"
        )))
    })?
    .map_err(|e| ApiError::invalid("private_key", e.to_string()))?;
    let cert_pem = b
        .certificate
        .as_deref()
        .filter(|c| !c.trim().is_empty())
        .map(|c| certificate(&k, c))
        .transpose()?;
    let view = SslDecryptKey {
        id: k.id.clone(),
        name: match &b.name {
            Some(n) => name("name", n)?,
            None => k.id.clone(),
        },
        enabled: b.enabled.unwrap_or(true),
        cert_pem,
        sessions_decrypted: 0,
        decrypt_failures: 0,
    };
    s.store.create_ssl_key(&view, pem.trim())?;
    audit(
        &s,
        &caller,
        "create TLS decryption key",
        "ssldecryptkeys",
        json!({"id": view.id, "name": view.name, "enabled": view.enabled}),
    );
    Ok(super::created_at(format!(
        "/api/v1/ssldecryptkeys/{}",
        view.id
    )))
}

async fn update(
    caller: Guard<Admin>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    b: Result<Json<SslDecryptKeyPatch>, ApiError>,
) -> ApiResult<StatusCode> {
    let current = key(&s, &raw)?;
    let Json(b) = b?;
    if b.private_key.is_some() {
        return Err(ApiError::invalid(
            "private_key",
            "a key's private key cannot change (its id is its hash): add the new key and delete this one",
        ));
    }
    let n = b.name.as_deref().map(|n| name("name", n)).transpose()?;
    let cert = match b.certificate.as_deref() {
        Some(c) if !c.trim().is_empty() => {
            // The stored key is not read back here: a certificate is checked
            // by the public key it must hold, whose hash is the id.
            let der = wirewatch_decrypt::keys::certificate_der(c)
                .map_err(|e| ApiError::invalid("certificate", e.to_string()))?;
            if !spki_hash_in(&der, &current.id) {
                return Err(ApiError::invalid(
                    "certificate",
                    wirewatch_decrypt::KeyError::CertificateMismatch.to_string(),
                ));
            }
            Some(c.trim().to_string())
        }
        _ => None,
    };
    s.store
        .patch_ssl_key(&current.id, n.as_deref(), b.enabled, cert.as_deref())?;
    audit(
        &s,
        &caller,
        "update TLS decryption key",
        "ssldecryptkeys",
        json!({"id": current.id, "name": n, "enabled": b.enabled, "certificate": cert.is_some()}),
    );
    Ok(StatusCode::NO_CONTENT)
}

/// Whether a DER certificate holds a public key whose SHA-1 is `id`: its
/// SubjectPublicKeyInfo is a DER SEQUENCE in it; each SEQUENCE of the size
/// of an RSA SubjectPublicKeyInfo (1,024 to 4,096 bits: 162 to 550 bytes)
/// is tried.
fn spki_hash_in(der: &[u8], id: &str) -> bool {
    use sha1::{Digest, Sha1};
    let mut i = 0;
    while i + 2 < der.len() {
        if der[i] == 0x30 {
            if let Some(len) = der_len(&der[i + 1..]) {
                let (hdr, body) = len;
                if !(100..=1100).contains(&body) {
                    i += 1;
                    continue;
                }
                let end = i + 1 + hdr + body;
                if end <= der.len() && hex::encode(Sha1::digest(&der[i..end])) == id {
                    return true;
                }
            }
        }
        i += 1;
    }
    false
}

/// A DER length: (bytes of the length, the length).
fn der_len(b: &[u8]) -> Option<(usize, usize)> {
    let first = *b.first()?;
    if first < 0x80 {
        return Some((1, usize::from(first)));
    }
    let n = usize::from(first & 0x7f);
    if n == 0 || n > 3 || b.len() < 1 + n {
        return None;
    }
    let len = b[1..=n]
        .iter()
        .fold(0usize, |a, x| (a << 8) | usize::from(*x));
    Some((1 + n, len))
}

async fn remove(
    caller: Guard<Admin>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<StatusCode> {
    let k = key(&s, &raw)?;
    s.store.delete_ssl_key(&k.id)?;
    audit(
        &s,
        &caller,
        "delete TLS decryption key",
        "ssldecryptkeys",
        json!({"id": k.id, "name": k.name}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn protocols(
    _: Guard<Admin>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
) -> ApiResult<axum::Json<Vec<SslKeyProtocol>>> {
    let id = key_id(&raw)?;
    let v = s
        .store
        .ssl_key_protocols(&id)?
        .ok_or_else(|| ApiError::not_found(format!("TLS decryption key {id}")))?;
    Ok(axum::Json(v))
}

/// A protocol name: lower case letters, digits and `-`/`_`, 1 to 32.
fn protocol_name(field: &str, p: &str) -> ApiResult<String> {
    let ok = !p.is_empty()
        && p.len() <= 32
        && p.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if ok {
        Ok(p.to_string())
    } else {
        Err(ApiError::invalid(
            field,
            format!(
                "{:?} is not a protocol name (lower case letters, digits, - and _; at most 32)",
                p.chars().take(40).collect::<String>()
            ),
        ))
    }
}

#[derive(Deserialize, schemars::JsonSchema)]
struct SslKeyProtocolInput {
    #[serde(default)]
    protocol: Option<String>,
    #[serde(default)]
    port: Option<i64>,
}

fn port(field: &str, p: Option<i64>) -> ApiResult<u16> {
    match p {
        Some(n) if (1..=65535).contains(&n) => Ok(n as u16),
        Some(n) => Err(ApiError::invalid(
            field,
            format!("{n} is not a port (1 to 65535)"),
        )),
        None => Err(ApiError::invalid(field, "is required (the server port)")),
    }
}

async fn add_protocol(
    caller: Guard<Admin>,
    State(s): State<AppState>,
    Path(raw): Path<String>,
    b: Result<Json<SslKeyProtocolInput>, ApiError>,
) -> ApiResult<Response> {
    let id = key_id(&raw)?;
    let Json(b) = b?;
    let p = SslKeyProtocol {
        protocol: protocol_name(
            "protocol",
            b.protocol
                .as_deref()
                .ok_or_else(|| ApiError::invalid("protocol", "is required (e.g. \"http\")"))?,
        )?,
        port: port("port", b.port)?,
    };
    if !s.store.add_ssl_key_protocol(&id, &p, MAX_PROTOCOLS)? {
        return Err(ApiError::not_found(format!("TLS decryption key {id}")));
    }
    audit(
        &s,
        &caller,
        "add TLS decryption key protocol",
        "ssldecryptkeys",
        json!({"id": id, "protocol": p.protocol, "port": p.port}),
    );
    Ok(super::created_at(format!(
        "/api/v1/ssldecryptkeys/{id}/protocols/{}",
        p.protocol
    )))
}

#[derive(Deserialize)]
struct PortQuery {
    #[serde(default)]
    port: Option<String>,
}

async fn remove_protocol(
    caller: Guard<Admin>,
    State(s): State<AppState>,
    Path((raw, proto)): Path<(String, String)>,
    Query(q): Query<PortQuery>,
) -> ApiResult<StatusCode> {
    let id = key_id(&raw)?;
    let proto = protocol_name("protocol", &proto)?;
    let p = match q.port.as_deref() {
        None | Some("") => None,
        Some(v) => Some(port(
            "port",
            Some(v.parse::<i64>().map_err(|_| {
                ApiError::invalid("port", format!("{v:?} is not a port (1 to 65535)"))
            })?),
        )?),
    };
    let n = s
        .store
        .delete_ssl_key_protocol(&id, &proto, p)?
        .ok_or_else(|| ApiError::not_found(format!("TLS decryption key {id}")))?;
    if n == 0 {
        return Err(ApiError::not_found(format!(
            "protocol {proto} of TLS decryption key {id}"
        )));
    }
    audit(
        &s,
        &caller,
        "delete TLS decryption key protocol",
        "ssldecryptkeys",
        json!({"id": id, "protocol": proto, "port": p, "removed": n}),
    );
    Ok(StatusCode::NO_CONTENT)
}

async fn keylog_status(
    _: Guard<Admin>,
    State(s): State<AppState>,
) -> ApiResult<axum::Json<KeylogStatus>> {
    Ok(axum::Json(s.store.keylog_status()?))
}

/// The body is the key log file as it is (`curl --data-binary @keys.log`).
async fn keylog_upload(
    caller: Guard<Admin>,
    State(s): State<AppState>,
    body: Bytes,
) -> ApiResult<axum::Json<KeylogUpload>> {
    let text = std::str::from_utf8(&body)
        .map_err(|_| ApiError::invalid("body", "a key log is text (UTF-8)"))?;
    let entries = wirewatch_decrypt::keys::parse_keylog(text)
        .map_err(|e| ApiError::invalid("body", format!("key log {e}")))?;
    if entries.is_empty() {
        return Err(ApiError::invalid(
            "body",
            "no key log lines (CLIENT_RANDOM, CLIENT/SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT/SERVER_TRAFFIC_SECRET_0, CLIENT_EARLY_TRAFFIC_SECRET)",
        ));
    }
    let lines: Vec<wirewatch_store::SessionKeyLine> = entries
        .iter()
        .map(|e| wirewatch_store::SessionKeyLine {
            label: e.label.as_str().to_string(),
            client_random: hex::encode(e.client_random),
            secret: hex::encode(&e.secret),
        })
        .collect();
    let store = s.store.clone();
    let added =
        super::blocking(move || store.add_session_keys(&lines, wirewatch_store::SOURCE_UPLOAD))
            .await?;
    audit(
        &s,
        &caller,
        "upload TLS key log",
        "ssldecryptkeys",
        json!({"lines": entries.len(), "added": added}),
    );
    Ok(axum::Json(KeylogUpload {
        lines: entries.len() as u64,
        added,
    }))
}

async fn keylog_delete(caller: Guard<Admin>, State(s): State<AppState>) -> ApiResult<StatusCode> {
    let n = s.store.delete_uploaded_session_keys()?;
    audit(
        &s,
        &caller,
        "delete TLS key log",
        "ssldecryptkeys",
        json!({"deleted": n}),
    );
    Ok(StatusCode::NO_CONTENT)
}
