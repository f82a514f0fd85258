//! Suricata's records (from EVE input): the values Suricata wrote, whatever
//! their JSON type, under the names of the sensor's records of the same type.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::net::IpAddr;

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
