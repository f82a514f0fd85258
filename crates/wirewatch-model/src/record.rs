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

/// A flow id as records show it: 16 hexadecimal digits.
fn flow_id<S: Serializer>(id: &u64, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&format_args!("{id:016x}"))
}

fn parse_flow_id<'de, D: serde::Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    let s = String::deserialize(d)?;
    u64::from_str_radix(&s, 16).map_err(serde::de::Error::custom)
}

/// `~flow`: a finished (or evicted) flow; client = originator, server = responder.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Flow {
    pub client_addr: IpAddr,
    /// IP bytes the client sent.
    pub client_bytes: u64,
    pub client_l2_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub client_mac: Option<String>,
    pub client_payload_bytes: u64,
    pub client_pkts: u64,
    pub client_port: u16,
    /// Zeek's connection state (`SF`, `S0`, `REJ`…).
    pub conn_state: String,
    /// Milliseconds.
    pub duration: f64,
    /// Milliseconds since the epoch.
    pub first_seen: i64,
    #[serde(serialize_with = "flow_id", deserialize_with = "parse_flow_id")]
    pub flow_id: u64,
    /// Zeek's history letters.
    pub history: String,
    pub ipproto: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub l7proto: Option<String>,
    pub last_seen: i64,
    pub server_addr: IpAddr,
    pub server_bytes: u64,
    pub server_l2_bytes: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub server_mac: Option<String>,
    pub server_payload_bytes: u64,
    pub server_pkts: u64,
    pub server_port: u16,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tunnel_client_addr: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub tunnel_server_addr: Option<IpAddr>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub vlan: Option<u16>,
}

/// `~dns_request`: a DNS query as it was seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DnsRequest {
    pub client_addr: IpAddr,
    pub client_port: u16,
    #[serde(serialize_with = "flow_id", deserialize_with = "parse_flow_id")]
    pub flow_id: u64,
    pub id: u16,
    pub qname: String,
    pub qtype: String,
    pub server_addr: IpAddr,
    pub server_port: u16,
}

/// `~dns_response`: a DNS transaction, answered or timed out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DnsResponse {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub answers: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub authoritative: Option<bool>,
    pub client_addr: IpAddr,
    pub client_port: u16,
    #[serde(serialize_with = "flow_id", deserialize_with = "parse_flow_id")]
    pub flow_id: u64,
    pub id: u16,
    pub qname: String,
    pub qtype: String,
    /// Set when answered (with `answers`, `ttls` and `authoritative`).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rcode: Option<String>,
    /// Milliseconds from query to response.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub rtt: Option<f64>,
    pub server_addr: IpAddr,
    pub server_port: u16,
    /// `Some(true)` when no response came.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub timeout: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ttls: Option<Vec<u32>>,
}

/// `~http`: an HTTP request and its response (when one came).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Http {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub auth_scheme: Option<String>,
    pub client_addr: IpAddr,
    pub client_port: u16,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub content_type: Option<String>,
    #[serde(serialize_with = "flow_id", deserialize_with = "parse_flow_id")]
    pub flow_id: u64,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub host: Option<String>,
    pub method: String,
    /// Milliseconds from the request head to the response head.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub processing_time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub referer: Option<String>,
    pub req_bytes: u64,
    pub rsp_bytes: u64,
    pub server_addr: IpAddr,
    pub server_port: u16,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub status_code: Option<u16>,
    pub uri: String,
    /// The user of Basic authentication.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user_agent: Option<String>,
    pub version: String,
}

/// `~ftp`: an FTP command and its reply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Ftp {
    pub args: String,
    pub client_addr: IpAddr,
    pub client_port: u16,
    #[serde(serialize_with = "flow_id", deserialize_with = "parse_flow_id")]
    pub flow_id: u64,
    /// The command.
    pub method: String,
    pub server_addr: IpAddr,
    pub server_port: u16,
    pub status_code: u16,
    pub status_text: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub user: Option<String>,
}

/// `~ssl_open`: what one TLS handshake showed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SslOpen {
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub alpn: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub certificate_issuer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub certificate_subject: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub cipher_suite: Option<String>,
    pub client_addr: IpAddr,
    pub client_port: u16,
    /// Whether the server answered (a ServerHello was seen).
    pub established: bool,
    #[serde(serialize_with = "flow_id", deserialize_with = "parse_flow_id")]
    pub flow_id: u64,
    /// The server name (SNI).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub host: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ja3_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ja3s_hash: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub ja4: Option<String>,
    pub server_addr: IpAddr,
    pub server_port: u16,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub version: Option<String>,
}

/// The `source` of Suricata's records.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Source {
    #[default]
    Suricata,
}

/// `~flow` from a Suricata `flow` or `netflow` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SuricataFlow {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bytes: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_addr: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_bytes: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_pkts: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_port: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_id: Option<Value>,
    /// Suricata's flow state (`new`, `established`, `closed`…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conn_state: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_reason: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_seen: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipproto: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub l7proto: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_seen: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pkts: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_addr: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_bytes: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_pkts: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_port: Option<Value>,
    pub source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vlan: Option<Value>,
}

/// `~dns_request` / `~dns_response` from a Suricata `dns` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SuricataDns {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers: Option<Vec<Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorities: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_addr: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_port: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_id: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipproto: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qname: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qtype: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rcode: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_addr: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_port: Option<Value>,
    pub source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vlan: Option<Value>,
}

/// `~http` from a Suricata `http` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SuricataHttp {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_addr: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_port: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_id: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipproto: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub referer: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsp_bytes: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_addr: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_port: Option<Value>,
    pub source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_code: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vlan: Option<Value>,
}

/// `~ssl_open` from a Suricata `tls` event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SuricataTls {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_fingerprint: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_issuer: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub certificate_subject: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_addr: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_port: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community_id: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flow_id: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipproto: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja3_hash: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja3s_hash: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ja4: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_addr: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_port: Option<Value>,
    pub source: Source,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
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
/// `{"type": "device", "value": [ids]}`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RecordDevices {
    pub client: Vec<String>,
    pub server: Vec<String>,
}

impl RecordDevices {
    /// The record fields they are stored as: the client's, the server's.
    pub const FIELDS: [&'static str; 2] = ["client", "server"];

    pub fn is_empty(&self) -> bool {
        self.client.is_empty() && self.server.is_empty()
    }

    /// Read back from a record's fields (what [`RecordDevices::fields`]
    /// wrote; anything else there is no custom device).
    pub fn from_fields(doc: &serde_json::Map<String, serde_json::Value>) -> RecordDevices {
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
            client: ids(Self::FIELDS[0]),
            server: ids(Self::FIELDS[1]),
        }
    }

    /// The record fields they are stored as (none when empty).
    pub fn fields(&self) -> impl Iterator<Item = (&'static str, serde_json::Value)> + '_ {
        [
            (Self::FIELDS[0], &self.client),
            (Self::FIELDS[1], &self.server),
        ]
        .into_iter()
        .filter(|(_, ids)| !ids.is_empty())
        .map(|(k, ids)| (k, serde_json::json!({"type": "device", "value": ids})))
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

    #[test]
    fn record_devices_read_back_what_they_write() {
        let d = RecordDevices {
            client: vec!["A".into()],
            server: vec!["B".into(), "C".into()],
        };
        let doc: serde_json::Map<String, Value> =
            d.fields().map(|(k, v)| (k.to_string(), v)).collect();
        assert_eq!(RecordDevices::from_fields(&doc), d);
        let other = json!({"client": "10.0.0.1", "server": {"type": "ipaddr4", "value": "x"}});
        assert!(RecordDevices::from_fields(other.as_object().unwrap()).is_empty());
    }

    fn some() -> Option<Value> {
        Some(json!("x"))
    }

    /// Every record with every field set.
    fn full() -> Vec<Record> {
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let s = || Some("x".to_string());
        vec![
            Record::Flow(Flow {
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
        assert_eq!(v["clientL2Bytes"], 2);
        assert_eq!(v["ja3sHash"], Value::Null);
        let back: Flow = serde_json::from_value(v).unwrap();
        assert_eq!(&back, f);
    }
}
