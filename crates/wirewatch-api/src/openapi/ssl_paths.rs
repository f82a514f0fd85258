//! TLS decryption keys (`/ssldecryptkeys`) and the key log extension.

use super::{array, r, Op, Paths};
use serde_json::json;

pub(super) const TAG: &str = "SSL Decrypt Key";
pub(super) const TAG_TEXT: &str = "The keys the sensor decrypts TLS with, so that HTTPS gives `~http` \
    records, metrics and detections as HTTP does. RSA private keys decrypt TLS 1.2 (and earlier) \
    sessions that use the RSA key exchange, on the server ports of their protocols (a key with no \
    protocol is tried where the server's certificate is its own, or the certificate was not seen); \
    (EC)DHE and TLS 1.3 sessions need their session secrets, from a TLS key log (`SSLKEYLOGFILE`, \
    wirewatch extension `/ssldecryptkeys/keylog`). Suites: AES-GCM, ChaCha20-Poly1305, AES-CBC with \
    HMAC-SHA1/SHA256/SHA384 (encrypt-then-MAC too). Private keys and secrets are write-only, \
    encrypted at rest and never returned; `/packets/search` gives session keys to `packets: \
    full_with_keys` callers. Sessions that started before a key was added are not decrypted.";

const ADMIN: &str = "Requires `system: full`.";

fn path_key(op: Op) -> Op {
    op.path(
        "id",
        "The hexadecimal SHA-1 of the key's public key (DER SubjectPublicKeyInfo), 40 digits, no delimiters.",
        json!({"type": "string", "pattern": "^[0-9a-fA-F]{40}$"}),
    )
}

pub(super) fn add(p: &mut Paths) {
    p.add(
        "get",
        "/ssldecryptkeys",
        Op::new(TAG, "getSslDecryptKeys", "List TLS decryption keys")
            .describe(&format!(
                "Every key, with its certificate; never its private key. {ADMIN}"
            ))
            .ok("200", "The keys.", array(r("SslDecryptKey")))
            .errors(&[403]),
    );
    p.add(
        "post",
        "/ssldecryptkeys",
        Op::new(TAG, "createSslDecryptKey", "Add a TLS decryption key")
            .describe(&format!(
                "`private_key` is a PEM RSA private key (PKCS#1 or PKCS#8, not encrypted, 1,024 to \
                 4,096 bits); `certificate`, when given, must hold its public key. The key's id is \
                 the SHA-1 of its public key (`openssl pkey -in KEY -pubout -outform DER | sha1sum`): \
                 the answer is 201 with an empty body and the key's path in `Location`; adding a key \
                 twice is a 409. `enabled` defaults to true, `name` to the id. {ADMIN}"
            ))
            .body_example(json!({
                "name": "www.example.com",
                "enabled": true,
                "certificate": "-----BEGIN CERTIFICATE-----\nMIIC...\n-----END CERTIFICATE-----\n",
                "private_key": "-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n"
            }))
            .empty("201", "The key was added; `Location` is its path.")
            .errors(&[403, 409]),
    );
    p.add(
        "get",
        "/ssldecryptkeys/{id}",
        path_key(Op::new(TAG, "getSslDecryptKey", "Get a TLS decryption key"))
            .describe(&format!(
                "One key with its certificate and counters. {ADMIN}"
            ))
            .ok("200", "The key.", r("SslDecryptKey"))
            .errors(&[400, 403, 404]),
    );
    p.add(
        "patch",
        "/ssldecryptkeys/{id}",
        path_key(Op::new(
            TAG,
            "updateSslDecryptKey",
            "Update a TLS decryption key",
        ))
        .describe(&format!(
            "Changes `name`, `enabled` or `certificate` (checked against the key). The private \
                 key cannot change (400): a different key is a different id. {ADMIN}"
        ))
        .body_example(json!({"enabled": false}))
        .empty("204", "The key was changed.")
        .errors(&[403, 404]),
    );
    p.add(
        "delete",
        "/ssldecryptkeys/{id}",
        path_key(Op::new(
            TAG,
            "deleteSslDecryptKey",
            "Delete a TLS decryption key",
        ))
        .describe(&format!(
            "Deletes the key and its protocols; session keys it gave stay in the key log. {ADMIN}"
        ))
        .empty("204", "The key was deleted.")
        .errors(&[400, 403, 404]),
    );
    p.add(
        "get",
        "/ssldecryptkeys/{id}/protocols",
        path_key(Op::new(
            TAG,
            "getSslDecryptKeyProtocols",
            "List a key's protocols",
        ))
        .describe(&format!(
            "The protocols and server ports the key decrypts (none: wherever the server's \
                 certificate is the key's). {ADMIN}"
        ))
        .ok("200", "The protocols.", array(r("SslKeyProtocol")))
        .errors(&[400, 403, 404]),
    );
    p.add(
        "post",
        "/ssldecryptkeys/{id}/protocols",
        path_key(Op::new(
            TAG,
            "createSslDecryptKeyProtocol",
            "Add a protocol to a key",
        ))
        .describe(&format!(
            "The key is tried on sessions to this server port (besides those whose certificate \
                 is its own). `protocol` is a lower-case name (`http` is decrypted into records; \
                 other protocols are decrypted but not analysed). At most 64 per key. {ADMIN}"
        ))
        .body_example(json!({"protocol": "http", "port": 443}))
        .empty("201", "The protocol was added.")
        .errors(&[403, 404, 409]),
    );
    p.add(
        "delete",
        "/ssldecryptkeys/{id}/protocols/{protocol}",
        path_key(Op::new(
            TAG,
            "deleteSslDecryptKeyProtocol",
            "Remove a protocol from a key",
        ))
        .path(
            "protocol",
            "The protocol's name, in lower case.",
            json!({"type": "string"}),
        )
        .query(
            "port",
            "Remove the protocol on this port only (default: on every port).",
            json!({"type": "integer", "minimum": 1, "maximum": 65535}),
        )
        .describe(ADMIN)
        .empty("204", "The protocol was removed.")
        .errors(&[400, 403, 404]),
    );
    p.add(
        "get",
        "/ssldecryptkeys/keylog",
        Op::new(TAG, "getSslKeylog", "Key log status")
            .extension()
            .describe(&format!(
                "How many key log lines are held (uploaded, and the master secrets of sessions the \
                 sensor decrypted with an RSA key) and what they decrypted; never a secret. {ADMIN}"
            ))
            .ok("200", "The key log's counters.", r("KeylogStatus"))
            .errors(&[403]),
    );
    p.add(
        "post",
        "/ssldecryptkeys/keylog",
        Op::new(TAG, "uploadSslKeylog", "Upload a TLS key log")
            .extension()
            .describe(&format!(
                "The body is a key log file as browsers, curl and OpenSSL write it \
                 (`SSLKEYLOGFILE`; `curl --data-binary @keys.log`): `CLIENT_RANDOM` lines (TLS 1.2 \
                 master secrets) and `CLIENT_HANDSHAKE_TRAFFIC_SECRET`, \
                 `SERVER_HANDSHAKE_TRAFFIC_SECRET`, `CLIENT_TRAFFIC_SECRET_0`, \
                 `SERVER_TRAFFIC_SECRET_0`, `CLIENT_EARLY_TRAFFIC_SECRET` (TLS 1.3, the last for \
                 0-RTT early data); other labels and `#` comments are skipped. \
                 A line that is not understood is a 400 naming it. Sessions the sensor sees from \
                 then on are decrypted (`wirewatch ingest --keylog FILE` does the same before a \
                 capture). At most 8 MB per request; the store keeps the latest 1,000,000 lines. \
                 {ADMIN}"
            ))
            .binary_body("The key log file.")
            .ok(
                "200",
                "The lines read and how many were new.",
                r("KeylogUpload"),
            )
            .errors(&[400, 403]),
    );
    p.add(
        "delete",
        "/ssldecryptkeys/keylog",
        Op::new(TAG, "deleteSslKeylog", "Delete the uploaded key log")
            .extension()
            .describe(&format!(
                "Deletes every uploaded key log line (the session keys the sensor worked out \
                 from RSA keys stay). {ADMIN}"
            ))
            .empty("204", "The uploaded lines were deleted.")
            .errors(&[403]),
    );
}
