//! Component schemas of Open Data Stream targets (`/odstargets`): the five
//! kinds of target, and (wirewatch extensions) their delivery statistics,
//! health and dead letters.
//!
//! One schema per kind serves requests and answers alike: secrets are
//! `writeOnly` (answers leave them out) and the `<field>_set` flags that
//! answers show instead are `readOnly`.

use super::{array, boolean, enumeration, id, ms, nullable_string, object, r, string, wire};
use serde_json::{json, Map, Value};
use wirewatch_model::ods::{
    GrantType, HttpAuthType, HttpProtocol, KafkaAuthType, KafkaCompression, PartitionStrategy,
    RawProtocol, ScramAlgorithm, SyslogProtocol, TargetKind, TcpOrTls, DEFAULT_GZIP_BYTES,
    DEFAULT_GZIP_SECONDS, MAX_NAME, MAX_SYSLOG_CONNECTIONS, SYSLOG_SEVERITIES,
};
use wirewatch_store::reason;

/// The component schema of each kind of target, in `TargetKind::ALL` order.
pub(super) const TARGET_SCHEMAS: [(TargetKind, &str); 5] = [
    (TargetKind::Http, "HttpTarget"),
    (TargetKind::Kafka, "KafkaTarget"),
    (TargetKind::Mongodb, "MongoTarget"),
    (TargetKind::Raw, "RawTarget"),
    (TargetKind::Syslog, "SyslogTarget"),
];

/// Why a message became a dead letter.
pub(super) const REASONS: [&str; 5] = [
    reason::REFUSED,
    reason::EXPIRED,
    reason::QUEUE_FULL,
    reason::UNKNOWN_TARGET,
    reason::TARGET_DELETED,
];

/// Characters a target name or host may not contain: `/` and control characters.
const FORBIDDEN: &str = "/\\u0000-\\u001f\\u007f-\\u009f";

pub(super) fn add(s: &mut Map<String, Value>) {
    let mut put = |name: &str, schema: Value| {
        s.insert(name.to_string(), schema);
    };
    put("OdsTarget", target());
    put("OdsTargets", targets());
    put("HttpTarget", http_target());
    put("HttpAuthentication", http_auth());
    put("KafkaTarget", kafka_target());
    put("KafkaBroker", kafka_broker());
    put("KafkaAuthentication", kafka_auth());
    put("MongoTarget", mongo_target());
    put("MongoAuthentication", mongo_auth());
    put("RawTarget", raw_target());
    put("SyslogTarget", syslog_target());
    put("OdsStats", stats());
    put("OdsHealth", health());
    put("DeadLetter", dead_letter());
    put("OdsMessage", message());
    put("DeadLetterReplay", replay());
    put("DeadLettersReplayed", replayed());
    put("DeadLettersDeleted", deleted());
}

/// The target kinds, as the `{kind}` path parameter spells them.
pub(super) fn kinds() -> Vec<Value> {
    wire(&TargetKind::ALL)
}

/// A schema with a default value.
fn with_default(mut schema: Value, default: Value) -> Value {
    schema["default"] = default;
    schema
}

/// The schema of a target kind, refusing unknown fields as the handler does.
fn closed(mut schema: Value, example: Value) -> Value {
    schema["additionalProperties"] = json!(false);
    schema["example"] = example;
    schema
}

/// The pattern of a target name: not only spaces, no `/`, no control characters.
pub(super) fn name_pattern() -> String {
    format!("^[^{FORBIDDEN}]*[^\\s{FORBIDDEN}][^{FORBIDDEN}]*$")
}

fn name(kind: &str) -> Value {
    json!({
        "type": "string", "minLength": 1, "maxLength": MAX_NAME, "pattern": name_pattern(),
        "description": format!(
            "The target's name, which triggers use (`Remote.{kind}(\"name\")`): unique among {kind} targets (409 otherwise), \
             1 to {MAX_NAME} characters, not only spaces, no `/` or control characters."
        ),
    })
}

/// The pattern of a host: a name or address, no scheme, spaces or `/`.
pub(super) fn host_pattern() -> String {
    format!("^[^\\s{FORBIDDEN}]+$")
}

fn host(what: &str) -> Value {
    json!({
        "type": "string", "minLength": 1, "pattern": host_pattern(),
        "description": format!("The host name or IP address of {what}; not a URL (no scheme, spaces or `/`)."),
    })
}

fn port(what: &str) -> Value {
    json!({"type": "integer", "minimum": 1, "maximum": 65535, "description": format!("The TCP or UDP port of {what}.")})
}

fn flag(description: &str) -> Value {
    with_default(boolean(description), json!(false))
}

/// A PEM text (`-----BEGIN ...`).
fn pem(description: &str) -> Value {
    json!({"type": "string", "pattern": "-----BEGIN ", "description": description})
}

/// A write-only secret: accepted in requests, never shown in answers.
fn secret(mut schema: Value, field: &str) -> Value {
    schema["writeOnly"] = json!(true);
    let d = schema["description"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    schema["description"] = json!(format!(
        "{d} Write-only: answers leave it out and show `{field}_set: true` instead."
    ));
    schema
}

/// The flag answers show in place of a stored secret.
fn secret_set(field: &str) -> Value {
    json!({
        "type": "boolean", "readOnly": true, "enum": [true],
        "description": format!("In answers only: `true` when a `{field}` is stored (the secret itself is never shown). \
                                A request that sends it is refused (400)."),
    })
}

/// Add a secret and its `_set` flag to `props`.
fn with_secret(mut props: Value, field: &str, schema: Value) -> Value {
    props[field] = secret(schema, field);
    props[format!("{field}_set")] = secret_set(field);
    props
}

/// The TLS fields of Kafka and syslog targets (valid only with `protocol: tls`).
fn tls_fields(mut props: Value, peer: &str) -> Value {
    let only = "Only with `protocol: tls` (400 otherwise).";
    props["tls_client_cert"] = pem(&format!(
        "A client certificate (PEM) for mutual TLS; needs `tls_client_key`. {only}"
    ));
    props["skip_cert_verification"] = flag(&format!(
        "Do not verify the {peer}'s TLS certificate. {only}"
    ));
    props["tls_ca_certs"] = pem(&format!(
        "CA certificates (PEM) the {peer}'s certificate must chain to, instead of the built-in Mozilla roots. {only}"
    ));
    with_secret(
        props,
        "tls_client_key",
        pem(&format!(
            "The private key (PEM) of `tls_client_cert`; needs `tls_client_cert`. {only}"
        )),
    )
}

fn target() -> Value {
    json!({
        "description": "A target of the kind named by the path (`{kind}`): `http` is an `HttpTarget`, `kafka` a \
                        `KafkaTarget`, `mongodb` a `MongoTarget`, `raw` a `RawTarget`, `syslog` a `SyslogTarget`.",
        "anyOf": TARGET_SCHEMAS.iter().map(|(_, n)| r(n)).collect::<Vec<_>>(),
    })
}

fn targets() -> Value {
    let mut props = Map::new();
    for (k, n) in TARGET_SCHEMAS {
        props.insert(
            k.as_str().into(),
            json!({"type": "array", "items": r(n), "description": format!("The {k} targets.")}),
        );
    }
    let mut t = object(
        "Every target, by kind; a kind without targets has an empty list.",
        &TARGET_SCHEMAS.map(|(k, _)| k.as_str()),
        Value::Object(props),
    );
    t["example"] = json!({
        "http": [http_example()], "kafka": [kafka_example()], "mongodb": [],
        "raw": [], "syslog": [syslog_example()],
    });
    t
}

/// `GET /odstargets/http/ticket-server`.
pub(super) fn http_example() -> Value {
    json!({
        "name": "ticket-server", "host": "127.0.0.1", "port": 8080, "protocol": "http",
        "skip_cert_verification": false, "pipeline": false,
        "additional_header": "Accept: application/json",
        "authentication": {"auth_type": "basic", "username": "extrahop", "password_set": true},
    })
}

fn http_target() -> Value {
    let protocol = enumeration(
        wire(&[HttpProtocol::Http, HttpProtocol::Https]),
        false,
        "`http`, or `https` (TLS; the server's certificate must chain to the built-in Mozilla roots unless \
         `skip_cert_verification`).",
    );
    closed(
        object(
            "An HTTP target (`/odstargets/http`): a web server triggers send requests to with \
             `Remote.HTTP(\"name\").post({path, headers, payload})`. Every request carries an `Idempotency-Key` header \
             that stays the same across retries and replays. Unknown fields are refused (400 naming the field).",
            &["name", "host", "port", "protocol"],
            json!({
                "name": name("HTTP"),
                "host": host("the HTTP server"),
                "port": port("the HTTP server"),
                "protocol": protocol,
                "skip_cert_verification": flag("Do not verify the server's TLS certificate. Only with `protocol: https` (400 otherwise)."),
                "pipeline": flag("Send over several concurrent connections; messages may then arrive out of order."),
                "additional_header": {
                    "type": "string", "pattern": "^\\s*[!#$%&'*+.^_`|~0-9A-Za-z-]+\\s*:[^\\r\\n]*$",
                    "description": format!(
                        "One header sent with every request, as `\"Name: value\"` (a valid header name; no line breaks). \
                         Write-only when its name contains {} (case-insensitive: `Authorization`, `X-Api-Key`, `Cookie`, …): \
                         stored encrypted, sent, and left out of answers, which show `additional_header_set: true` instead.",
                        super::secret_header_words()
                    ),
                },
                "additional_header_set": secret_set("additional_header"),
                "authentication": r("HttpAuthentication"),
            }),
        ),
        http_example(),
    )
}

fn http_auth() -> Value {
    let auth_type = with_default(
        enumeration(
            wire(&[
                HttpAuthType::None,
                HttpAuthType::Basic,
                HttpAuthType::Aws,
                HttpAuthType::AzureStorage,
                HttpAuthType::AzureAd,
                HttpAuthType::Crowdstrike,
            ]),
            false,
            "How requests authenticate. `none`; `basic` (needs `username`, `password`); `aws` (Signature Version 4: \
             needs `access_key`, `secret_key`, `service`, `region`); `azure_storage` (Shared Key: needs `access_key`, \
             the storage account name, and `secret_key`, the base64 account key; requests carry `x-ms-date`, \
             `x-ms-version` and `Authorization: SharedKey <account>:<signature>`); `azure_ad` (Microsoft Entra ID OAuth 2.0: \
             needs `grant_type`, `client_id`, `client_secret`, `resource`, `token_endpoint`, and with \
             `grant_type: resource_owner` also `username` and `password`); `crowdstrike` (OAuth 2.0 client \
             credentials: needs `client_id`, `client_secret`). A missing or empty field is a 400 naming \
             `authentication.<field>`.",
        ),
        json!("none"),
    );
    let props = json!({
        "auth_type": auth_type,
        "username": string("The user name (`basic`; `azure_ad` with `grant_type: resource_owner`)."),
        "access_key": string("The access key id (`aws`), or the storage account name (`azure_storage`)."),
        "service": string("The AWS service code, e.g. `execute-api` (`aws`)."),
        "region": string("The AWS region, e.g. `us-east-1` (`aws`)."),
        "grant_type": enumeration(
            wire(&[GrantType::Client, GrantType::ResourceOwner]),
            false,
            "The OAuth 2.0 grant (`azure_ad`): client credentials, or the resource owner's password.",
        ),
        "client_id": string("The OAuth client id (`azure_ad`, `crowdstrike`)."),
        "resource": string("The Entra ID resource URI the token is for (`azure_ad`)."),
        "token_endpoint": {
            "type": "string", "pattern": "^https?://",
            "description": "The OAuth token endpoint, an http(s) URL (`azure_ad`; `crowdstrike`, default \
                            `https://api.crowdstrike.com/oauth2/token`).",
        },
    });
    let props = with_secret(
        props,
        "password",
        string("The password (`basic`; `azure_ad` with `grant_type: resource_owner`)."),
    );
    let props = with_secret(
        props,
        "secret_key",
        string("The secret access key (`aws`), or the storage account key (`azure_storage`)."),
    );
    let props = with_secret(
        props,
        "client_secret",
        string("The OAuth client secret (`azure_ad`, `crowdstrike`)."),
    );
    let mut a = object(
        "The credentials of an HTTP target; `auth_type: none` when left out. Answers always show `auth_type`.",
        &[],
        props,
    );
    a["additionalProperties"] = json!(false);
    a
}

/// `GET /odstargets/kafka/soc-kafka`.
pub(super) fn kafka_example() -> Value {
    json!({
        "name": "soc-kafka",
        "brokers": [{"host": "kafka1.example.com", "port": 9093}, {"host": "kafka2.example.com", "port": 9093}],
        "compression": "gzip", "partition_strategy": "hash_key", "protocol": "tls",
        "skip_cert_verification": false,
        "tls_ca_certs": "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUW2k...\n-----END CERTIFICATE-----\n",
        "authentication": {"auth_type": "scram", "username": "wirewatch", "password_set": true, "algorithm": "sha512"},
    })
}

fn kafka_target() -> Value {
    let props = json!({
        "name": name("Kafka"),
        "brokers": {
            "description": "The brokers: a list of at least one (one broker object is accepted too; answers always \
                            show a list).",
            "oneOf": [r("KafkaBroker"), {"type": "array", "minItems": 1, "items": r("KafkaBroker")}],
        },
        "compression": with_default(
            enumeration(
                wire(&[KafkaCompression::None, KafkaCompression::Gzip, KafkaCompression::Snappy]),
                false,
                "How message batches are compressed.",
            ),
            json!("none"),
        ),
        "partition_strategy": with_default(
            enumeration(
                wire(&[
                    PartitionStrategy::HashKey,
                    PartitionStrategy::Manual,
                    PartitionStrategy::Random,
                    PartitionStrategy::RoundRobin,
                ]),
                false,
                "How a message's partition is chosen: `round_robin` in turn, `random`, `hash_key` by hashing the \
                 message key, `manual` as the trigger says (`Remote.Kafka(\"name\").send({topic, messages, partition})`).",
            ),
            json!("round_robin"),
        ),
        "protocol": enumeration(wire(&[TcpOrTls::Tcp, TcpOrTls::Tls]), false, "`tcp`, or `tls`."),
        "authentication": r("KafkaAuthentication"),
    });
    closed(
        object(
            "A Kafka target (`/odstargets/kafka`): brokers triggers send messages to with \
             `Remote.Kafka(\"name\").send(...)`. Unknown fields are refused (400 naming the field).",
            &["name", "brokers", "protocol"],
            tls_fields(props, "brokers"),
        ),
        kafka_example(),
    )
}

fn kafka_broker() -> Value {
    let mut b = object(
        "One Kafka broker.",
        &["host", "port"],
        json!({"host": host("the broker"), "port": port("the broker")}),
    );
    b["additionalProperties"] = json!(false);
    b
}

fn kafka_auth() -> Value {
    let props = json!({
        "auth_type": enumeration(wire(&[KafkaAuthType::Scram]), false, "SASL/SCRAM."),
        "username": {"type": "string", "pattern": "\\S", "description": "The SASL user name; not empty."},
        "algorithm": enumeration(
            wire(&[ScramAlgorithm::Sha256, ScramAlgorithm::Sha512]),
            false,
            "SCRAM-SHA-256 or SCRAM-SHA-512.",
        ),
    });
    let props = with_secret(
        props,
        "password",
        json!({"type": "string", "minLength": 1, "description": "The SASL password; not empty."}),
    );
    let mut a = object(
        "SASL credentials of a Kafka target; none when left out.",
        &["auth_type", "username", "password", "algorithm"],
        props,
    );
    a["additionalProperties"] = json!(false);
    a
}

/// `GET /odstargets/mongodb/events-db`.
pub(super) fn mongo_example() -> Value {
    json!({
        "name": "events-db", "host": "mongo.example.com", "port": 27017, "encrypt": true,
        "skip_cert_verification": false,
        "authentication": [{"database": "ods", "user": "wirewatch", "password_set": true}],
    })
}

fn mongo_target() -> Value {
    closed(
        object(
            "A MongoDB target (`/odstargets/mongodb`): a server triggers insert, update and remove documents on with \
             `Remote.MongoDB(\"name\")`. Unknown fields are refused (400 naming the field).",
            &["name", "host", "port"],
            json!({
                "name": name("MongoDB"),
                "host": host("the MongoDB server"),
                "port": port("the MongoDB server"),
                "encrypt": flag("Connect with TLS."),
                "skip_cert_verification": flag("Do not verify the server's TLS certificate. Only with `encrypt: true` (400 otherwise)."),
                "authentication": {
                    "description": "Credentials, one per database: a list (one object is accepted too; answers always \
                                    show a list). A message uses the credentials of its database, else the first \
                                    ones given. Default: none.",
                    "oneOf": [r("MongoAuthentication"), array(r("MongoAuthentication"))],
                },
            }),
        ),
        mongo_example(),
    )
}

fn mongo_auth() -> Value {
    let props = json!({
        "database": {"type": "string", "pattern": "\\S", "description": "The database the credentials are for; not empty."},
        "user": {"type": "string", "pattern": "\\S", "description": "The user name; not empty."},
    });
    let props = with_secret(props, "password", string("The password."));
    let mut a = object(
        "MongoDB credentials for one database.",
        &["database", "user", "password"],
        props,
    );
    a["additionalProperties"] = json!(false);
    a
}

/// `GET /odstargets/raw/archive`.
pub(super) fn raw_example() -> Value {
    json!({
        "name": "archive", "host": "192.0.2.50", "port": 9000, "protocol": "tcp", "compression": true,
        "gzip_threshold_bytes": 4_194_304, "gzip_threshold_seconds": 60,
    })
}

fn raw_target() -> Value {
    let threshold = |what: &str, default: u64| {
        json!({
            "type": "integer", "format": "int64", "minimum": 1, "default": default,
            "description": format!("Start a new gzip member once the current one {what}. Only with `compression: true` (400 otherwise)."),
        })
    };
    closed(
        object(
            "A raw target (`/odstargets/raw`): a TCP or UDP server triggers send bytes to with \
             `Remote.Raw(\"name\").send(data)`. Unknown fields are refused (400 naming the field).",
            &["name", "host", "port", "protocol"],
            json!({
                "name": name("Raw"),
                "host": host("the server"),
                "port": port("the server"),
                "protocol": enumeration(wire(&[RawProtocol::Tcp, RawProtocol::Udp]), false, "`tcp`, or `udp` (one datagram per message)."),
                "compression": flag("Gzip the stream. Only with `protocol: tcp` (a gzip stream cannot be split over datagrams; 400 otherwise)."),
                "gzip_threshold_bytes": threshold("holds this many bytes", DEFAULT_GZIP_BYTES),
                "gzip_threshold_seconds": threshold("is this many seconds old", DEFAULT_GZIP_SECONDS),
            }),
        ),
        raw_example(),
    )
}

/// `GET /odstargets/syslog/siem`.
pub(super) fn syslog_example() -> Value {
    json!({
        "name": "siem", "host": "siem.example.com", "port": 6514, "protocol": "tls",
        "tcp_length_prefix_framing": true, "batch_min_bytes": 0, "concurrent_connections": 2, "localtime": false,
        "tls_client_cert": "-----BEGIN CERTIFICATE-----\nMIIBtjCCAVugAwIBAgIUQ3x...\n-----END CERTIFICATE-----\n",
        "tls_client_key_set": true, "skip_cert_verification": false,
        "tls_ca_certs": "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUW2k...\n-----END CERTIFICATE-----\n",
    })
}

fn syslog_target() -> Value {
    let props = json!({
        "name": name("Syslog"),
        "host": host("the syslog server"),
        "port": port("the syslog server"),
        "protocol": enumeration(
            wire(&[SyslogProtocol::Tcp, SyslogProtocol::Udp, SyslogProtocol::Tls]),
            false,
            "`tcp`, `udp` (one datagram per message), or `tls`.",
        ),
        "tcp_length_prefix_framing": flag(
            "Frame messages by octet counting (RFC 6587: `LEN SP MSG`) instead of a trailing newline. Only with \
             `protocol` `tcp` or `tls` (400 otherwise).",
        ),
        "batch_min_bytes": {
            "type": "integer", "format": "int64", "minimum": 0, "default": 0,
            "description": "The least number of bytes written at a time: messages are batched up to it.",
        },
        "concurrent_connections": {
            "type": "integer", "minimum": 1, "maximum": MAX_SYSLOG_CONNECTIONS, "default": 1,
            "description": format!("How many connections to send over (1 to {MAX_SYSLOG_CONNECTIONS})."),
        },
        "localtime": flag("Write timestamps in the sensor's time zone instead of UTC."),
    });
    let mut props = tls_fields(props, "server");
    props["tls_ca_certs"]["description"] = json!(
        "CA certificates (PEM) the server's certificate must chain to, instead of the built-in Mozilla roots. Only \
         with `protocol: tls`, and not with `skip_cert_verification: true` (400 otherwise)."
    );
    closed(
        object(
            "A syslog target (`/odstargets/syslog`): a server triggers send messages to with \
             `Remote.Syslog(\"name\").info(...)` (and `emerg`, `alert`, `crit`, `error`, `warn`, `notice`, `debug`). \
             Unknown fields are refused (400 naming the field).",
            &["name", "host", "port", "protocol"],
            props,
        ),
        syslog_example(),
    )
}

fn stats() -> Value {
    let count =
        |d: &str| json!({"type": "integer", "format": "int64", "minimum": 0, "description": d});
    let mut s = object(
        "The delivery statistics of a target since it was first created (they survive restarts and re-creation \
         under the same name).",
        &[
            "queued",
            "sent",
            "retried",
            "failed",
            "dropped",
            "dead_letters",
            "last_error",
            "last_error_time",
            "last_sent_time",
        ],
        json!({
            "queued": count("Messages waiting in the outbox."),
            "sent": count("Messages the target accepted."),
            "retried": count("Delivery attempts that failed and were retried."),
            "failed": count("Messages given up on (refused by the target, or expired): now dead letters."),
            "dropped": count("Messages never queued (the queue was full, or the target unknown): now dead letters."),
            "dead_letters": count("Messages in the dead-letter list now."),
            "last_error": nullable_string("The last delivery error."),
            "last_error_time": {"type": "integer", "format": "int64", "nullable": true, "description": "When the last error happened (ms)."},
            "last_sent_time": {"type": "integer", "format": "int64", "nullable": true, "description": "When a message was last accepted (ms)."},
        }),
    );
    s["example"] = json!({
        "queued": 0, "sent": 1042, "retried": 3, "failed": 1, "dropped": 0, "dead_letters": 1,
        "last_error": "HTTP 400: {\"errorMessages\":[\"Field 'priority' is invalid\"]}",
        "last_error_time": 1_767_225_600_000_i64, "last_sent_time": 1_767_229_200_000_i64,
    });
    s
}

fn health() -> Value {
    let mut h = object(
        "The outcome of a connection attempt to a target.",
        &["healthy", "detail", "checked_at"],
        json!({
            "healthy": boolean("Whether the target could be reached."),
            "detail": string("What was checked (`connected to http://127.0.0.1:8080`), or why it failed."),
            "checked_at": ms("When the check ran."),
        }),
    );
    h["example"] = json!({"healthy": true, "detail": "connected to http://127.0.0.1:8080", "checked_at": 1_767_229_200_000_i64});
    h
}

fn dead_letter() -> Value {
    let mut d = object(
        "A message that could not be delivered, kept until it is replayed or deleted.",
        &[
            "id",
            "message_id",
            "create_time",
            "dead_time",
            "attempts",
            "reason",
            "error",
            "message",
        ],
        json!({
            "id": id("The dead letter's id (`DELETE .../deadletters/{id}`, `ids` of a replay)."),
            "message_id": id("The message's original id: stable across retries and replays (the `Idempotency-Key` of an HTTP message is built from it)."),
            "create_time": ms("When the trigger sent the message."),
            "dead_time": ms("When it became a dead letter."),
            "attempts": {"type": "integer", "minimum": 0, "description": "How many delivery attempts were made."},
            "reason": enumeration(
                REASONS.iter().map(|r| json!(r)).collect(),
                false,
                "`refused`: the target refused it (an HTTP 4xx, say); `expired`: not accepted within the maximum \
                 age (`--ods-max-age`, default 7 days); `queue_full`: the target's queue was full \
                 (`--ods-queue-limit`); `unknown_target`: no target of that kind and name existed when the trigger \
                 sent it; `target_deleted`: the target was deleted while the message waited.",
            ),
            "error": nullable_string("The last delivery error, if there was one."),
            "message": r("OdsMessage"),
        }),
    );
    d["example"] = json!({
        "id": 7, "message_id": 1042, "create_time": 1_767_225_590_000_i64, "dead_time": 1_767_225_600_000_i64,
        "attempts": 1, "reason": "refused",
        "error": "HTTP 400: {\"errorMessages\":[\"Field 'priority' is invalid\"]}",
        "message": {"op": "http", "method": "POST", "path": "/rest/api/issue",
                    "headers": [["Content-Type", "application/json"]],
                    "payload": "{\"fields\":{\"summary\":\"ExtraHop Detection: 1042: SSH brute force\",\"priority\":{\"id\":99}}}"},
    });
    d
}

fn message() -> Value {
    let op = |v: &str| json!({"type": "string", "enum": [v], "description": "The kind of target the message is for."});
    let alt = |description: &str, required: &[&str], props: Value| {
        let mut o = object(description, required, props);
        o["additionalProperties"] = json!(false);
        o
    };
    json!({
        "description": "A message a trigger sent, as queued: `op` names the kind of target.",
        "oneOf": [
            alt("`Remote.HTTP(...)`: one request.", &["op", "method", "path", "headers", "payload"], json!({
                "op": op("http"),
                "method": string("The request method, e.g. `POST`."),
                "path": string("The request path (and query)."),
                "headers": {"type": "array", "description": "The headers the trigger set, as `[name, value]` pairs.",
                            "items": {"type": "array", "minItems": 2, "maxItems": 2, "items": {"type": "string"}}},
                "payload": string("The request body."),
            })),
            alt("`Remote.Syslog(...)`: one syslog message.", &["op", "severity", "time", "message"], json!({
                "op": op("syslog"),
                "severity": {"type": "integer", "minimum": 0, "maximum": SYSLOG_SEVERITIES.len() - 1,
                             "description": format!("The severity: 0 (`{}`) to 7 (`{}`).", SYSLOG_SEVERITIES[0], SYSLOG_SEVERITIES[7])},
                "time": ms("When the trigger sent it."),
                "message": string("The text."),
            })),
            alt("`Remote.Kafka(...).send(...)`: messages for one topic.", &["op", "topic", "values"], json!({
                "op": op("kafka"),
                "topic": string("The topic."),
                "key": string("The message key (for `partition_strategy: hash_key`)."),
                "partition": {"type": "integer", "description": "The partition (for `partition_strategy: manual`)."},
                "values": array(string("A message.")),
            })),
            alt("`Remote.MongoDB(...)`: an insert, update or remove.", &["op", "collection", "action"], json!({
                "op": op("mongodb"),
                "collection": string("`database.collection`."),
                "action": {"type": "string", "enum": ["insert", "update", "remove"], "description": "What to do."},
                "documents": {"type": "array", "items": {"additionalProperties": true, "description": "A document."}, "description": "`insert`: the documents."},
                "selector": {"additionalProperties": true, "description": "`update`, `remove`: which documents."},
                "update": {"additionalProperties": true, "description": "`update`: the change."},
                "upsert": boolean("`update`: insert when nothing matches."),
                "multi": boolean("`update`: change every match, not only the first."),
                "just_one": boolean("`remove`: remove only the first match."),
            })),
            alt("`Remote.Raw(...).send(...)`: bytes.", &["op", "data"], json!({
                "op": op("raw"),
                "data": string("The data."),
            })),
        ],
    })
}

fn replay() -> Value {
    object(
        "Which dead letters to replay; without `ids` (`{}`), all of them.",
        &[],
        json!({
            "ids": {"type": "array", "items": {"type": "integer", "format": "int64"},
                    "description": "The ids of the dead letters to replay; ids that are not dead letters of the target are ignored."},
        }),
    )
}

fn replayed() -> Value {
    let mut r = object(
        "How many dead letters went back to the outbox.",
        &["replayed"],
        json!({"replayed": {"type": "integer", "format": "int64", "minimum": 0, "description": "The number of messages queued again."}}),
    );
    r["example"] = json!({"replayed": 3});
    r
}

fn deleted() -> Value {
    let mut d = object(
        "How many dead letters were deleted.",
        &["deleted"],
        json!({"deleted": {"type": "integer", "format": "int64", "minimum": 0, "description": "The number of dead letters deleted."}}),
    );
    d["example"] = json!({"deleted": 3});
    d
}
