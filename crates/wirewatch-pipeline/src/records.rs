//! The sensor's typed events as the typed records the store keeps
//! (`wirewatch_model::record`): each event moves into its record, nothing is
//! assembled by field name.

use wirewatch_model::record::{self, NewRecord, Record};
use wirewatch_sensor::analyzers::dns::DnsEvent;
use wirewatch_sensor::analyzers::ftp::FtpEvent;
use wirewatch_sensor::analyzers::http::HttpEvent;
use wirewatch_sensor::analyzers::tls::TlsEvent;
use wirewatch_sensor::sensor::{ipproto_name, mac_string, Endpoints};
use wirewatch_sensor::FlowRecord;
use wirewatch_wire::dns::{qtype_name, rcode_name};

const NS_PER_MS: i64 = 1_000_000;

/// `~dns_request`.
pub fn dns_request(e: &Endpoints, q: DnsEvent) -> NewRecord {
    NewRecord {
        time_ms: q.ts_ns / NS_PER_MS,
        record: Record::DnsRequest(record::DnsRequest {
            client_addr: e.client.0,
            client_port: e.client.1,
            flow_id: e.flow_id,
            id: q.id,
            qname: q.query,
            qtype: qtype_name(q.qtype),
            server_addr: e.server.0,
            server_port: e.server.1,
        }),
        devices: Default::default(),
        threat: Vec::new(),
    }
}

/// `~dns_response`: answered, or timed out (no `rcode`).
pub fn dns_response(e: &Endpoints, d: DnsEvent) -> NewRecord {
    let answered = d.rcode.is_some();
    NewRecord {
        time_ms: d.ts_ns / NS_PER_MS,
        record: Record::DnsResponse(record::DnsResponse {
            answers: answered.then_some(d.answers),
            authoritative: answered.then_some(d.authoritative),
            client_addr: e.client.0,
            client_port: e.client.1,
            error: d
                .rcode
                .filter(|r| *r != 0)
                .map(|r| rcode_name(r).to_string()),
            flow_id: e.flow_id,
            id: d.id,
            qname: d.query,
            qtype: qtype_name(d.qtype),
            rcode: d.rcode.map(|r| rcode_name(r).to_string()),
            rtt: d.rtt_ms.filter(|_| answered),
            server_addr: e.server.0,
            server_port: e.server.1,
            timeout: (!answered).then_some(true),
            ttls: answered.then_some(d.ttls),
        }),
        devices: Default::default(),
        threat: Vec::new(),
    }
}

/// `~http`.
pub fn http(e: &Endpoints, ev: HttpEvent) -> NewRecord {
    NewRecord {
        time_ms: ev.ts_ns / NS_PER_MS,
        record: Record::Http(record::Http {
            auth_scheme: ev.auth_scheme,
            client_addr: e.client.0,
            client_port: e.client.1,
            content_type: ev.content_type,
            flow_id: e.flow_id,
            host: ev.host,
            method: ev.method,
            processing_time: ev.processing_ms,
            referer: ev.referrer,
            req_bytes: ev.req_body_len,
            rsp_bytes: ev.rsp_body_len,
            server_addr: e.server.0,
            server_port: e.server.1,
            status_code: ev.status,
            uri: ev.uri,
            user: ev.basic_user,
            user_agent: ev.user_agent,
            version: ev.version,
        }),
        devices: Default::default(),
        threat: Vec::new(),
    }
}

/// `~ftp`.
pub fn ftp(e: &Endpoints, ev: FtpEvent) -> NewRecord {
    NewRecord {
        time_ms: e.ts_ns / NS_PER_MS,
        record: Record::Ftp(record::Ftp {
            args: ev.arg,
            client_addr: e.client.0,
            client_port: e.client.1,
            flow_id: e.flow_id,
            method: ev.command,
            server_addr: e.server.0,
            server_port: e.server.1,
            status_code: ev.reply_code,
            status_text: ev.reply_msg,
            user: ev.user,
        }),
        devices: Default::default(),
        threat: Vec::new(),
    }
}

/// `~ssl_open`.
pub fn ssl_open(e: &Endpoints, ev: TlsEvent) -> NewRecord {
    NewRecord {
        time_ms: e.ts_ns / NS_PER_MS,
        record: Record::SslOpen(record::SslOpen {
            alpn: ev.alpn,
            certificate_issuer: ev.issuer,
            certificate_subject: ev.subject,
            cipher_suite: ev.cipher,
            client_addr: e.client.0,
            client_port: e.client.1,
            established: ev.established,
            flow_id: e.flow_id,
            host: ev.server_name,
            ja3_hash: ev.ja3,
            ja3s_hash: ev.ja3s,
            ja4: ev.ja4,
            server_addr: e.server.0,
            server_port: e.server.1,
            version: ev.version,
        }),
        devices: Default::default(),
        threat: Vec::new(),
    }
}

/// `~flow`: client = originator, server = responder, with Zeek's state and history.
pub fn flow(f: FlowRecord) -> NewRecord {
    let duration_ms = (f.last_ns - f.first_ns) as f64 / 1e6;
    NewRecord {
        time_ms: f.first_ns / NS_PER_MS,
        record: Record::Flow(record::Flow {
            age: duration_ms / 1000.0,
            bytes: f.orig_ip_bytes.saturating_add(f.resp_ip_bytes),
            pkts: f.orig_pkts.saturating_add(f.resp_pkts),
            client_addr: f.orig.0,
            client_bytes: f.orig_ip_bytes,
            client_l2_bytes: f.orig_l2_bytes,
            client_mac: f.orig_mac.as_ref().map(mac_string),
            client_payload_bytes: f.orig_bytes,
            client_pkts: f.orig_pkts,
            client_port: f.orig.1,
            conn_state: f.conn_state.to_string(),
            duration: duration_ms,
            first_seen: f.first_ns / NS_PER_MS,
            flow_id: f.id,
            history: f.history,
            ipproto: ipproto_name(f.proto),
            l7proto: f.service.map(str::to_string),
            last_seen: f.last_ns / NS_PER_MS,
            server_addr: f.resp.0,
            server_bytes: f.resp_ip_bytes,
            server_l2_bytes: f.resp_l2_bytes,
            server_mac: f.resp_mac.as_ref().map(mac_string),
            server_payload_bytes: f.resp_bytes,
            server_pkts: f.resp_pkts,
            server_port: f.resp.1,
            tunnel_client_addr: f.tunnel.map(|t| t.0),
            tunnel_server_addr: f.tunnel.map(|t| t.1),
            vlan: f.vlan,
        }),
        devices: Default::default(),
        threat: Vec::new(),
    }
}
