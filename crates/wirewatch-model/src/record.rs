//! Records: the closed set of typed outputs the sensor (and Suricata EVE
//! input) produce, one struct per ExtraHop record type, each field named once.
//!
//! The wire names are the ExtraHop record formats' (`clientAddr`,
//! `statusCode`…), derived from the Rust field names by
//! `rename_all = "camelCase"`. Stored documents are these structs serialised
//! as JSON objects, keys in the order the fields are declared: **byte order of
//! their wire names**, one fixed order whatever serde_json's features (the
//! string-keyed maps records were built from before wrote sorted keys, or
//! insertion order where serde_json's `preserve_order` is on, as the MongoDB
//! driver's `bson` turns it on in the server binary); `tests::keys_in_byte_order`
//! checks the declarations.
//!
//! Suricata's records (`Suricata*`) keep the values Suricata wrote, whatever
//! their JSON type, so their fields are JSON values.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;
use std::net::IpAddr;

mod formats;
mod suricata;
pub use formats::{
    field_group, formats, upgrade_legacy, FieldFormat, RecordFormat, KINDS, RENAMED,
};
pub use suricata::{Source, SuricataDns, SuricataFlow, SuricataHttp, SuricataTls};

/// A flow id as records show it: 16 hexadecimal digits.
fn flow_id<S: Serializer>(id: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{id:016x}"))
}

fn parse_flow_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let s = String::deserialize(d)?;
    u64::from_str_radix(&s, 16).map_err(serde::de::Error::custom)
}

/// `~flow`: a finished (or evicted) flow. The sender is the originator
/// (the Rust fields `client_*`), the receiver the responder (`server_*`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    /// Seconds from the first to the last packet of the flow.
    pub age: f64,
    /// IP bytes both ways (`senderBytes` + `receiverBytes`).
    pub bytes: u64,
    /// Zeek's connection state (`SF`, `S0`, `REJ`…).
    pub conn_state: String,
    /// Milliseconds from the first to the last packet.
    pub duration: f64,
    /// Time of the first packet (ms since the epoch).
    #[serde(rename = "first", alias = "firstSeen")]
    pub first_seen: i64,
    /// The flow's id (16 hexadecimal digits), shared by its L7 records.
    #[serde(serialize_with = "flow_id", deserialize_with = "parse_flow_id")]
    #[schemars(with = "String")]
    pub flow_id: u64,
    /// Zeek's history letters.
    pub history: String,
    /// The application protocol recognised on the flow.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub l7proto: Option<String>,
    /// Time of the last packet (ms since the epoch).
    #[serde(rename = "last", alias = "lastSeen")]
    pub last_seen: i64,
    /// Packets both ways (`senderPkts` + `receiverPkts`).
    pub pkts: u64,
    /// The IP protocol (`TCP`, `UDP`, `ICMP`…).
    #[serde(rename = "proto", alias = "ipproto")]
    pub ipproto: String,
    /// The responder's address.
    #[serde(rename = "receiverAddr", alias = "serverAddr")]
    pub server_addr: IpAddr,
    /// IP bytes the receiver sent.
    #[serde(rename = "receiverBytes", alias = "serverBytes")]
    pub server_bytes: u64,
    /// Bytes the receiver sent, link-layer headers included.
    #[serde(rename = "receiverL2Bytes", alias = "serverL2Bytes")]
    pub server_l2_bytes: u64,
    /// The receiver's MAC address.
    #[serde(
        rename = "receiverMac",
        alias = "serverMac",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub server_mac: Option<String>,
    /// TCP/UDP payload bytes the receiver sent.
    #[serde(rename = "receiverPayloadBytes", alias = "serverPayloadBytes")]
    pub server_payload_bytes: u64,
    /// Packets the receiver sent.
    #[serde(rename = "receiverPkts", alias = "serverPkts")]
    pub server_pkts: u64,
    /// The responder's port.
    #[serde(rename = "receiverPort", alias = "serverPort")]
    pub server_port: u16,
    /// The originator's address.
    #[serde(rename = "senderAddr", alias = "clientAddr")]
    pub client_addr: IpAddr,
    /// IP bytes the sender sent.
    #[serde(rename = "senderBytes", alias = "clientBytes")]
    pub client_bytes: u64,
    /// Bytes the sender sent, link-layer headers included.
    #[serde(rename = "senderL2Bytes", alias = "clientL2Bytes")]
    pub client_l2_bytes: u64,
    /// The sender's MAC address.
    #[serde(
        rename = "senderMac",
        alias = "clientMac",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub client_mac: Option<String>,
    /// TCP/UDP payload bytes the sender sent.
    #[serde(rename = "senderPayloadBytes", alias = "clientPayloadBytes")]
    pub client_payload_bytes: u64,
    /// Packets the sender sent.
    #[serde(rename = "senderPkts", alias = "clientPkts")]
    pub client_pkts: u64,
    /// The originator's port.
    #[serde(rename = "senderPort", alias = "clientPort")]
    pub client_port: u16,
    /// The outer receiver address of a tunnelled flow.
    #[serde(
        rename = "tunnelReceiverAddr",
        alias = "tunnelServerAddr",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub tunnel_server_addr: Option<IpAddr>,
    /// The outer sender address of a tunnelled flow.
    #[serde(
        rename = "tunnelSenderAddr",
        alias = "tunnelClientAddr",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub tunnel_client_addr: Option<IpAddr>,
    /// The 802.1Q VLAN id.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub vlan: Option<u16>,
}

/// `~dns_request`: a DNS query as it was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DnsRequest {
    /// The client's address.
    pub client_addr: IpAddr,
    /// The client's port.
    pub client_port: u16,
    /// The flow's id (16 hexadecimal digits).
    #[serde(serialize_with = "flow_id", deserialize_with = "parse_flow_id")]
    #[schemars(with = "String")]
    pub flow_id: u64,
    /// The DNS message id.
    pub id: u16,
    /// The name queried.
    pub qname: String,
    /// The query type (`A`, `AAAA`, `TXT`…).
    pub qtype: String,
    /// The server's address.
    pub server_addr: IpAddr,
    /// The server's port.
    pub server_port: u16,
}

/// `~dns_response`: a DNS transaction, answered or timed out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct DnsResponse {
    /// The answers' data (addresses, names, text), in the order sent.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub answers: Option<Vec<String>>,
    /// The client's address.
    pub client_addr: IpAddr,
    /// The client's port.
    pub client_port: u16,
    /// The response code when it is an error (`NXDOMAIN`, `SERVFAIL`…).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub error: Option<String>,
    /// The flow's id (16 hexadecimal digits).
    #[serde(serialize_with = "flow_id", deserialize_with = "parse_flow_id")]
    #[schemars(with = "String")]
    pub flow_id: u64,
    /// The DNS message id.
    pub id: u16,
    /// Whether the answer is authoritative (AA bit).
    #[serde(
        rename = "isAuthoritative",
        alias = "authoritative",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub authoritative: Option<bool>,
    /// `true` when no response came.
    #[serde(
        rename = "isReqTimeout",
        alias = "timeout",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub timeout: Option<bool>,
    /// Milliseconds from the query to its response.
    #[serde(
        rename = "processingTime",
        alias = "rtt",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub rtt: Option<f64>,
    /// The name queried.
    pub qname: String,
    /// The query type (`A`, `AAAA`, `TXT`…).
    pub qtype: String,
    /// The response code (`NOERROR`, `NXDOMAIN`…), set when answered.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rcode: Option<String>,
    /// The server's address.
    pub server_addr: IpAddr,
    /// The server's port.
    pub server_port: u16,
    /// The answers' TTLs (seconds), in the order of `answers`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ttls: Option<Vec<u32>>,
}

/// `~http`: an HTTP request and its response (when one came).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Http {
    /// The authentication scheme of the `Authorization` header.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub auth_scheme: Option<String>,
    /// The client's address.
    pub client_addr: IpAddr,
    /// The client's port.
    pub client_port: u16,
    /// The response's `Content-Type`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub content_type: Option<String>,
    /// The flow's id (16 hexadecimal digits).
    #[serde(serialize_with = "flow_id", deserialize_with = "parse_flow_id")]
    #[schemars(with = "String")]
    pub flow_id: u64,
    /// The `Host` header.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub host: Option<String>,
    /// The request method.
    pub method: String,
    /// Milliseconds from the request head to the response head.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub processing_time: Option<f64>,
    /// The `Referer` header.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub referer: Option<String>,
    /// Bytes of the request body.
    pub req_bytes: u64,
    /// Bytes of the response body.
    pub rsp_bytes: u64,
    /// The server's address.
    pub server_addr: IpAddr,
    /// The server's port.
    pub server_port: u16,
    /// The response status code.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status_code: Option<u16>,
    /// The request target as sent (path and query).
    pub uri: String,
    /// The user of Basic authentication.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user: Option<String>,
    /// The `User-Agent` header.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_agent: Option<String>,
    /// The request's HTTP version (`1.1`).
    pub version: String,
}

/// `~ftp`: an FTP command and its reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct Ftp {
    /// The command's arguments.
    pub args: String,
    /// The client's address.
    pub client_addr: IpAddr,
    /// The client's port.
    pub client_port: u16,
    /// The flow's id (16 hexadecimal digits).
    #[serde(serialize_with = "flow_id", deserialize_with = "parse_flow_id")]
    #[schemars(with = "String")]
    pub flow_id: u64,
    /// The command (`USER`, `RETR`…).
    pub method: String,
    /// The server's address.
    pub server_addr: IpAddr,
    /// The server's port.
    pub server_port: u16,
    /// The reply code.
    pub status_code: u16,
    /// The reply text.
    pub status_text: String,
    /// The user logged in as.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user: Option<String>,
}

/// `~ssl_open`: what one TLS handshake showed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct SslOpen {
    /// The application protocol the server chose (ALPN).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alpn: Option<String>,
    /// The issuer of the server's certificate.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub certificate_issuer: Option<String>,
    /// The subject of the server's certificate.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub certificate_subject: Option<String>,
    /// The cipher suite the server chose.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cipher_suite: Option<String>,
    /// The client's address.
    pub client_addr: IpAddr,
    /// The client's port.
    pub client_port: u16,
    /// Whether the server answered (a ServerHello was seen).
    pub established: bool,
    /// The flow's id (16 hexadecimal digits).
    #[serde(serialize_with = "flow_id", deserialize_with = "parse_flow_id")]
    #[schemars(with = "String")]
    pub flow_id: u64,
    /// The client's JA3 fingerprint (MD5).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ja3_hash: Option<String>,
    /// The server's JA3S fingerprint (MD5).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ja3s_hash: Option<String>,
    /// The client's JA4 fingerprint.
    #[serde(
        rename = "ja4Fingerprint",
        alias = "ja4",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub ja4: Option<String>,
    /// The server's address.
    pub server_addr: IpAddr,
    /// The server name the client asked for (SNI).
    #[serde(
        rename = "serverName",
        alias = "host",
        skip_serializing_if = "Option::is_none",
        default
    )]
    pub host: Option<String>,
    /// The server's port.
    pub server_port: u16,
    /// The TLS version agreed (`TLSv1.3`…).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version: Option<String>,
}

/// Every record the sensor and EVE input produce. Serialises as the record's
/// fields only (the type is [`Record::kind`], stored beside them).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Record {
    Flow(Flow),
    DnsRequest(DnsRequest),
    DnsResponse(DnsResponse),
    Http(Http),
    Ftp(Ftp),
    SslOpen(SslOpen),
    // Suricata's records are boxed: their many optional values would make
    // every record as large as the largest of them.
    SuricataFlow(Box<SuricataFlow>),
    SuricataDnsRequest(Box<SuricataDns>),
    SuricataDnsResponse(Box<SuricataDns>),
    SuricataHttp(Box<SuricataHttp>),
    SuricataTls(Box<SuricataTls>),
}

/// The fields the store indexes, read from a record.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Indexed<'a> {
    pub client_addr: Option<String>,
    pub server_addr: Option<String>,
    pub client_port: Option<i64>,
    pub server_port: Option<i64>,
    pub qname: Option<&'a str>,
    pub host: Option<&'a str>,
}

fn ip_of(v: &Option<Value>) -> Option<String> {
    v.as_ref().and_then(Value::as_str).map(str::to_string)
}

fn int_of(v: &Option<Value>) -> Option<i64> {
    v.as_ref().and_then(Value::as_i64)
}

fn str_of(v: &Option<Value>) -> Option<&str> {
    v.as_ref().and_then(Value::as_str)
}

impl Record {
    /// The ExtraHop record type (`~flow`, `~http`…).
    pub fn kind(&self) -> &'static str {
        match self {
            Record::Flow(_) | Record::SuricataFlow(_) => "~flow",
            Record::DnsRequest(_) | Record::SuricataDnsRequest(_) => "~dns_request",
            Record::DnsResponse(_) | Record::SuricataDnsResponse(_) => "~dns_response",
            Record::Http(_) | Record::SuricataHttp(_) => "~http",
            Record::Ftp(_) => "~ftp",
            Record::SslOpen(_) | Record::SuricataTls(_) => "~ssl_open",
        }
    }

    /// The fields the store keeps in columns of their own.
    pub fn indexed(&self) -> Indexed<'_> {
        fn ends<'a>(c: (IpAddr, u16), s: (IpAddr, u16)) -> Indexed<'a> {
            Indexed {
                client_addr: Some(c.0.to_string()),
                server_addr: Some(s.0.to_string()),
                client_port: Some(i64::from(c.1)),
                server_port: Some(i64::from(s.1)),
                qname: None,
                host: None,
            }
        }
        macro_rules! suricata {
            ($r:expr) => {
                Indexed {
                    client_addr: ip_of(&$r.client_addr),
                    server_addr: ip_of(&$r.server_addr),
                    client_port: int_of(&$r.client_port),
                    server_port: int_of(&$r.server_port),
                    qname: None,
                    host: None,
                }
            };
        }
        match self {
            Record::Flow(r) => ends(
                (r.client_addr, r.client_port),
                (r.server_addr, r.server_port),
            ),
            Record::DnsRequest(r) => Indexed {
                qname: Some(&r.qname),
                ..ends(
                    (r.client_addr, r.client_port),
                    (r.server_addr, r.server_port),
                )
            },
            Record::DnsResponse(r) => Indexed {
                qname: Some(&r.qname),
                ..ends(
                    (r.client_addr, r.client_port),
                    (r.server_addr, r.server_port),
                )
            },
            Record::Http(r) => Indexed {
                host: r.host.as_deref(),
                ..ends(
                    (r.client_addr, r.client_port),
                    (r.server_addr, r.server_port),
                )
            },
            Record::Ftp(r) => ends(
                (r.client_addr, r.client_port),
                (r.server_addr, r.server_port),
            ),
            Record::SslOpen(r) => Indexed {
                host: r.host.as_deref(),
                ..ends(
                    (r.client_addr, r.client_port),
                    (r.server_addr, r.server_port),
                )
            },
            Record::SuricataFlow(r) => suricata!(r),
            Record::SuricataDnsRequest(r) | Record::SuricataDnsResponse(r) => Indexed {
                qname: str_of(&r.qname),
                ..suricata!(r)
            },
            Record::SuricataHttp(r) => Indexed {
                host: str_of(&r.host),
                ..suricata!(r)
            },
            Record::SuricataTls(r) => Indexed {
                host: str_of(&r.host),
                ..suricata!(r)
            },
        }
    }
}

/// A record to store: its time (ms since the epoch) and the record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRecord {
    pub time_ms: i64,
    pub record: Record,
    /// The custom devices the record's traffic is attributed to.
    pub devices: RecordDevices,
    /// The threat collections' observables its traffic matched (stored as
    /// the record's `threat` field when there are any).
    pub threat: Vec<crate::threat::ThreatMatch>,
}

/// The custom devices (their `extrahop_id`s) a record's traffic is
/// attributed to, by the end each stands for. Stored in the record as
/// ExtraHop writes device fields: `client` / `server` =
/// `{"type": "device", "value": [ids]}` (`sender` / `receiver` on `~flow`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordDevices {
    /// The originator's end (`client`, or `sender` on `~flow`).
    pub client: Vec<String>,
    /// The responder's end (`server`, or `receiver` on `~flow`).
    pub server: Vec<String>,
}

impl RecordDevices {
    /// Every record field they can be stored as (on any record type).
    pub const FIELDS: [&'static str; 4] = ["client", "server", "sender", "receiver"];

    pub fn is_empty(&self) -> bool {
        self.client.is_empty() && self.server.is_empty()
    }

    /// Read back from the fields of a record of type `kind` (what
    /// [`RecordDevices::fields`] wrote; anything else there is no custom
    /// device).
    pub fn from_fields(
        kind: &str,
        doc: &serde_json::Map<String, serde_json::Value>,
    ) -> RecordDevices {
        Self::from_named(device_fields(kind), doc)
    }

    /// Read back from the device fields named `(client, server)`: the
    /// record's own ([`device_fields`]), or those of a stored shape of before.
    pub fn from_named(
        (c, s): (&str, &str),
        doc: &serde_json::Map<String, serde_json::Value>,
    ) -> RecordDevices {
        let ids = |k: &str| -> Vec<String> {
            doc.get(k)
                .filter(|v| v["type"] == "device")
                .and_then(|v| v["value"].as_array())
                .map(|a| {
                    a.iter()
                        .filter_map(|x| x.as_str().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        RecordDevices {
            client: ids(c),
            server: ids(s),
        }
    }

    /// The record fields they are stored as in a record of type `kind`
    /// (none when empty).
    pub fn fields(
        &self,
        kind: &str,
    ) -> impl Iterator<Item = (&'static str, serde_json::Value)> + '_ {
        let (c, s) = device_fields(kind);
        [(c, &self.client), (s, &self.server)]
            .into_iter()
            .filter(|(_, ids)| !ids.is_empty())
            .map(|(k, ids)| (k, serde_json::json!({"type": "device", "value": ids})))
    }
}

/// The device fields of a record type: `sender` / `receiver` on `~flow`,
/// `client` / `server` on the others.
pub fn device_fields(kind: &str) -> (&'static str, &'static str) {
    if kind == "~flow" {
        ("sender", "receiver")
    } else {
        ("client", "server")
    }
}

impl NewRecord {
    /// The same record, attributed to these custom devices.
    pub fn with_devices(mut self, devices: RecordDevices) -> NewRecord {
        self.devices = devices;
        self
    }

    /// The ExtraHop record type.
    pub fn kind(&self) -> &'static str {
        self.record.kind()
    }
}

#[cfg(test)]
mod tests;
