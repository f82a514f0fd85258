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
pub use formats::{
    field_group, formats, upgrade_legacy, FieldFormat, RecordFormat, KINDS, RENAMED,
};

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

/// The `source` of Suricata's records.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    #[default]
    Suricata,
}

/// `~flow` from a Suricata `flow` or `netflow` event (names as [`Flow`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct SuricataFlow {
    /// Seconds from the first to the last packet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub age: Option<f64>,
    /// Bytes both ways.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub bytes: Option<Value>,
    /// The Community ID flow hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub community_id: Option<Value>,
    /// Suricata's flow state (`new`, `established`, `closed`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub conn_state: Option<Value>,
    /// Why Suricata ended the flow.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub end_reason: Option<Value>,
    /// Time of the first packet (ms since the epoch).
    #[serde(
        rename = "first",
        alias = "firstSeen",
        skip_serializing_if = "Option::is_none"
    )]
    pub first_seen: Option<i64>,
    /// Suricata's flow id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub flow_id: Option<Value>,
    /// The application protocol Suricata recognised.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub l7proto: Option<Value>,
    /// Time of the last packet (ms since the epoch).
    #[serde(
        rename = "last",
        alias = "lastSeen",
        skip_serializing_if = "Option::is_none"
    )]
    pub last_seen: Option<i64>,
    /// Packets both ways.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub pkts: Option<Value>,
    /// The IP protocol.
    #[serde(
        rename = "proto",
        alias = "ipproto",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<String>")]
    pub ipproto: Option<Value>,
    /// The responder's address.
    #[serde(
        rename = "receiverAddr",
        alias = "serverAddr",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<IpAddr>")]
    pub server_addr: Option<Value>,
    /// Bytes the receiver sent.
    #[serde(
        rename = "receiverBytes",
        alias = "serverBytes",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<u64>")]
    pub server_bytes: Option<Value>,
    /// Packets the receiver sent.
    #[serde(
        rename = "receiverPkts",
        alias = "serverPkts",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<u64>")]
    pub server_pkts: Option<Value>,
    /// The responder's port.
    #[serde(
        rename = "receiverPort",
        alias = "serverPort",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<u64>")]
    pub server_port: Option<Value>,
    /// The originator's address.
    #[serde(
        rename = "senderAddr",
        alias = "clientAddr",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<IpAddr>")]
    pub client_addr: Option<Value>,
    /// Bytes the sender sent.
    #[serde(
        rename = "senderBytes",
        alias = "clientBytes",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<u64>")]
    pub client_bytes: Option<Value>,
    /// Packets the sender sent.
    #[serde(
        rename = "senderPkts",
        alias = "clientPkts",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<u64>")]
    pub client_pkts: Option<Value>,
    /// The originator's port.
    #[serde(
        rename = "senderPort",
        alias = "clientPort",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<u64>")]
    pub client_port: Option<Value>,
    /// Always `suricata`: the record came from Suricata's EVE output.
    pub source: Source,
    /// The VLAN id(s).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub vlan: Option<Value>,
}

/// `~dns_request` / `~dns_response` from a Suricata `dns` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct SuricataDns {
    /// The answers as Suricata wrote them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers: Option<Vec<Value>>,
    /// The authority records as Suricata wrote them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorities: Option<Value>,
    /// The client's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<IpAddr>")]
    pub client_addr: Option<Value>,
    /// The client's port.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub client_port: Option<Value>,
    /// The Community ID flow hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub community_id: Option<Value>,
    /// Suricata's flow id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub flow_id: Option<Value>,
    /// The DNS message id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub id: Option<Value>,
    /// The IP protocol.
    #[serde(
        rename = "proto",
        alias = "ipproto",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<String>")]
    pub ipproto: Option<Value>,
    /// The name queried.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub qname: Option<Value>,
    /// The query type.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub qtype: Option<Value>,
    /// The response code.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub rcode: Option<Value>,
    /// The server's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<IpAddr>")]
    pub server_addr: Option<Value>,
    /// The server's port.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub server_port: Option<Value>,
    /// Always `suricata`: the record came from Suricata's EVE output.
    pub source: Source,
    /// The VLAN id(s).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub vlan: Option<Value>,
}

/// `~http` from a Suricata `http` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct SuricataHttp {
    /// The client's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<IpAddr>")]
    pub client_addr: Option<Value>,
    /// The client's port.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub client_port: Option<Value>,
    /// The Community ID flow hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub community_id: Option<Value>,
    /// The response's `Content-Type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub content_type: Option<Value>,
    /// Suricata's flow id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub flow_id: Option<Value>,
    /// The `Host` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub host: Option<Value>,
    /// The request method.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub method: Option<Value>,
    /// The IP protocol.
    #[serde(
        rename = "proto",
        alias = "ipproto",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<String>")]
    pub ipproto: Option<Value>,
    /// The `Referer` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub referer: Option<Value>,
    /// Bytes of the response body.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub rsp_bytes: Option<Value>,
    /// The server's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<IpAddr>")]
    pub server_addr: Option<Value>,
    /// The server's port.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub server_port: Option<Value>,
    /// Always `suricata`: the record came from Suricata's EVE output.
    pub source: Source,
    /// The response status code.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub status_code: Option<Value>,
    /// The request target.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub uri: Option<Value>,
    /// The `User-Agent` header.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub user_agent: Option<Value>,
    /// The HTTP version.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub version: Option<Value>,
    /// The VLAN id(s).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub vlan: Option<Value>,
}

/// `~ssl_open` from a Suricata `tls` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "camelCase", default)]
pub struct SuricataTls {
    /// The server certificate's SHA-1 fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub certificate_fingerprint: Option<Value>,
    /// The issuer of the server's certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub certificate_issuer: Option<Value>,
    /// The subject of the server's certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub certificate_subject: Option<Value>,
    /// The client's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<IpAddr>")]
    pub client_addr: Option<Value>,
    /// The client's port.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub client_port: Option<Value>,
    /// The Community ID flow hash.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub community_id: Option<Value>,
    /// Suricata's flow id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub flow_id: Option<Value>,
    /// The client's JA3 fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub ja3_hash: Option<Value>,
    /// The server's JA3S fingerprint.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub ja3s_hash: Option<Value>,
    /// The client's JA4 fingerprint.
    #[serde(
        rename = "ja4Fingerprint",
        alias = "ja4",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<String>")]
    pub ja4: Option<Value>,
    /// The IP protocol.
    #[serde(
        rename = "proto",
        alias = "ipproto",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<String>")]
    pub ipproto: Option<Value>,
    /// The server's address.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<IpAddr>")]
    pub server_addr: Option<Value>,
    /// The server name the client asked for (SNI).
    #[serde(
        rename = "serverName",
        alias = "host",
        skip_serializing_if = "Option::is_none"
    )]
    #[schemars(with = "Option<String>")]
    pub host: Option<Value>,
    /// The server's port.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub server_port: Option<Value>,
    /// Always `suricata`: the record came from Suricata's EVE output.
    pub source: Source,
    /// The TLS version.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<String>")]
    pub version: Option<Value>,
    /// The VLAN id(s).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Option<u64>")]
    pub vlan: Option<Value>,
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
    pub fn is_empty(&self) -> bool {
        self.client.is_empty() && self.server.is_empty()
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
mod tests {
    use super::*;
    use serde_json::json;

    fn some() -> Option<Value> {
        Some(json!("x"))
    }

    /// Every record with every field set.
    pub(super) fn full() -> Vec<Record> {
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let s = || Some("x".to_string());
        vec![
            Record::Flow(Flow {
                age: 0.0015,
                bytes: 10,
                pkts: 16,
                client_addr: ip,
                client_bytes: 1,
                client_l2_bytes: 2,
                client_mac: s(),
                client_payload_bytes: 3,
                client_pkts: 4,
                client_port: 5,
                conn_state: "SF".into(),
                duration: 1.5,
                first_seen: 6,
                flow_id: 7,
                history: "ShAD".into(),
                ipproto: "TCP".into(),
                l7proto: s(),
                last_seen: 8,
                server_addr: ip,
                server_bytes: 9,
                server_l2_bytes: 10,
                server_mac: s(),
                server_payload_bytes: 11,
                server_pkts: 12,
                server_port: 13,
                tunnel_client_addr: Some(ip),
                tunnel_server_addr: Some(ip),
                vlan: Some(14),
            }),
            Record::DnsRequest(DnsRequest {
                client_addr: ip,
                client_port: 1,
                flow_id: 2,
                id: 3,
                qname: "a".into(),
                qtype: "A".into(),
                server_addr: ip,
                server_port: 53,
            }),
            Record::DnsResponse(DnsResponse {
                answers: Some(vec!["b".into()]),
                authoritative: Some(true),
                client_addr: ip,
                client_port: 1,
                error: s(),
                flow_id: 2,
                id: 3,
                qname: "a".into(),
                qtype: "A".into(),
                rcode: s(),
                rtt: Some(0.5),
                server_addr: ip,
                server_port: 53,
                timeout: Some(true),
                ttls: Some(vec![60]),
            }),
            Record::Http(Http {
                auth_scheme: s(),
                client_addr: ip,
                client_port: 1,
                content_type: s(),
                flow_id: 2,
                host: s(),
                method: "GET".into(),
                processing_time: Some(1.0),
                referer: s(),
                req_bytes: 3,
                rsp_bytes: 4,
                server_addr: ip,
                server_port: 80,
                status_code: Some(200),
                uri: "/".into(),
                user: s(),
                user_agent: s(),
                version: "1.1".into(),
            }),
            Record::Ftp(Ftp {
                args: "a".into(),
                client_addr: ip,
                client_port: 1,
                flow_id: 2,
                method: "USER".into(),
                server_addr: ip,
                server_port: 21,
                status_code: 331,
                status_text: "ok".into(),
                user: s(),
            }),
            Record::SslOpen(SslOpen {
                alpn: s(),
                certificate_issuer: s(),
                certificate_subject: s(),
                cipher_suite: s(),
                client_addr: ip,
                client_port: 1,
                established: true,
                flow_id: 2,
                host: s(),
                ja3_hash: s(),
                ja3s_hash: s(),
                ja4: s(),
                server_addr: ip,
                server_port: 443,
                version: s(),
            }),
            Record::SuricataFlow(Box::new(SuricataFlow {
                age: Some(1.5),
                bytes: some(),
                client_addr: some(),
                client_bytes: some(),
                client_pkts: some(),
                client_port: some(),
                community_id: some(),
                conn_state: some(),
                end_reason: some(),
                first_seen: Some(1),
                flow_id: some(),
                ipproto: some(),
                l7proto: some(),
                last_seen: Some(2),
                pkts: some(),
                server_addr: some(),
                server_bytes: some(),
                server_pkts: some(),
                server_port: some(),
                source: Source::Suricata,
                vlan: some(),
            })),
            Record::SuricataDnsRequest(Box::new(SuricataDns {
                answers: Some(vec![json!("a")]),
                authorities: some(),
                client_addr: some(),
                client_port: some(),
                community_id: some(),
                flow_id: some(),
                id: some(),
                ipproto: some(),
                qname: some(),
                qtype: some(),
                rcode: some(),
                server_addr: some(),
                server_port: some(),
                source: Source::Suricata,
                vlan: some(),
            })),
            Record::SuricataHttp(Box::new(SuricataHttp {
                client_addr: some(),
                client_port: some(),
                community_id: some(),
                content_type: some(),
                flow_id: some(),
                host: some(),
                ipproto: some(),
                method: some(),
                referer: some(),
                rsp_bytes: some(),
                server_addr: some(),
                server_port: some(),
                source: Source::Suricata,
                status_code: some(),
                uri: some(),
                user_agent: some(),
                version: some(),
                vlan: some(),
            })),
            Record::SuricataTls(Box::new(SuricataTls {
                certificate_fingerprint: some(),
                certificate_issuer: some(),
                certificate_subject: some(),
                client_addr: some(),
                client_port: some(),
                community_id: some(),
                flow_id: some(),
                host: some(),
                ipproto: some(),
                ja3_hash: some(),
                ja3s_hash: some(),
                ja4: some(),
                server_addr: some(),
                server_port: some(),
                source: Source::Suricata,
                version: some(),
                vlan: some(),
            })),
        ]
    }

    /// Serialised directly, a record is byte for byte what a `serde_json::Map`
    /// of the same fields gives (keys in byte order): what was stored before.
    #[test]
    fn keys_in_byte_order() {
        for r in full() {
            let direct = serde_json::to_string(&r).unwrap();
            let via_map = serde_json::to_value(&r).unwrap().to_string();
            assert_eq!(direct, via_map, "{}", r.kind());
        }
    }

    #[test]
    fn flow_ids_are_sixteen_hex_digits() {
        let Record::Flow(f) = &full()[0] else {
            unreachable!()
        };
        let v = serde_json::to_value(f).unwrap();
        assert_eq!(v["flowId"], "0000000000000007");
        assert_eq!(v["senderL2Bytes"], 2);
        assert_eq!(v["ja3sHash"], Value::Null);
        let back: Flow = serde_json::from_value(v).unwrap();
        assert_eq!(&back, f);
    }
}
