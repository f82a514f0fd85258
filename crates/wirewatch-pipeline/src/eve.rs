//! Suricata EVE JSON through the pipeline: records reach the detectors (what
//! they can read from Suricata's fields: flows, DNS queries), the store and
//! the trigger queue, as the sensor's do; alerts become detections.
//!
//! Idempotent like capture ingest (see [`crate::identity`]): the file is
//! known by content, and its mark is the byte offset just after the last line
//! whose records and detections are stored, written in the same transaction
//! as them. A rerun (or a restarted `--follow`, or a run after a kill) seeks
//! to that offset, so a file that grew is read from where the last run
//! stopped; `--force` reads it again from the start.

use crate::identity::{self, Plan, HEAD, TAIL};
use crate::{Batch, Pipeline};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, VecDeque};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::net::IpAddr;
use std::path::Path;
use std::time::Duration;
use wirewatch_model::record::{Record, SuricataDns, SuricataFlow};
use wirewatch_sensor::analyzers::dns::DnsEvent;
use wirewatch_sensor::eve::{parse_line, EveItem};
use wirewatch_sensor::sensor::Endpoints;
use wirewatch_sensor::FlowRecord;
use wirewatch_store::{FileMark, Store};

/// Records (or detections) written per transaction.
const BATCH: usize = 2_000;

/// What a run over an EVE file did.
#[derive(Debug, Default)]
pub struct Counts {
    pub lines: u64,
    pub records: u64,
    pub detections: u64,
    /// Events of types not kept.
    pub ignored: u64,
    /// Lines skipped (and detections not stored), by why.
    pub skipped: BTreeMap<String, u64>,
    /// Byte offset the run started at (what an earlier run stored).
    pub resumed_at: u64,
    /// The last line was incomplete: left for a later run.
    pub partial: bool,
}

/// Lines read but not yet stored, and what is needed to mark them.
struct Pending {
    mark: FileMark,
    batch: Batch,
    /// Lines read since the last commit.
    lines: u64,
    /// Offset just after the last line read.
    pos: u64,
    /// The file's first (at most [`HEAD`]) bytes up to `pos`.
    head: Vec<u8>,
    /// The (at most [`TAIL`]) bytes before `pos`.
    tail: VecDeque<u8>,
}

impl Pending {
    /// Start reading `file` at `pos` under `mark`.
    fn open(file: &mut File, mark: FileMark, pos: u64) -> std::io::Result<Pending> {
        let mut head = Vec::new();
        file.seek(SeekFrom::Start(0))?;
        file.by_ref().take(HEAD.min(pos)).read_to_end(&mut head)?;
        let from = pos.saturating_sub(TAIL);
        let mut tail = Vec::new();
        file.seek(SeekFrom::Start(from))?;
        file.by_ref().take(pos - from).read_to_end(&mut tail)?;
        file.seek(SeekFrom::Start(pos))?;
        Ok(Pending {
            mark,
            batch: Batch::default(),
            lines: 0,
            pos,
            head,
            tail: tail.into(),
        })
    }

    /// `bytes` (one line) were read.
    fn advance(&mut self, bytes: &[u8]) {
        self.pos += bytes.len() as u64;
        self.lines += 1;
        let room = (HEAD as usize).saturating_sub(self.head.len());
        self.head.extend_from_slice(&bytes[..room.min(bytes.len())]);
        self.tail.extend(bytes);
        let excess = self.tail.len().saturating_sub(TAIL as usize);
        self.tail.drain(..excess);
    }

    /// Store what was read and, in the same transaction, the mark at `pos`.
    fn commit(&mut self, pipeline: &mut Pipeline, c: &mut Counts) -> crate::Result<()> {
        if self.pos == self.mark.size && self.mark.id != 0 {
            return Ok(());
        }
        if self.pos == 0 {
            return Ok(());
        }
        self.mark.head = hex::encode(Sha256::digest(&self.head));
        self.mark.head_len = self.head.len() as u64;
        self.mark.tail = hex::encode(Sha256::digest(self.tail.make_contiguous()));
        self.mark.size = self.pos;
        self.mark.packets += self.lines;
        self.mark.complete = false;
        let batch = std::mem::take(&mut self.batch);
        let done = pipeline.commit(batch, &[], Some(&mut self.mark))?;
        c.records += done.records;
        c.detections += done.detections;
        for e in done.refused {
            *c.skipped
                .entry(format!("detection not stored: {}", e.message))
                .or_insert(0) += 1;
        }
        self.lines = 0;
        Ok(())
    }
}

/// Parse one line into `p`, through the detectors; false when it is not an
/// EVE event (bad JSON and the like).
fn line(text: &str, pipeline: &mut Pipeline, p: &mut Pending, c: &mut Counts) -> bool {
    let text = text.trim();
    if text.is_empty() {
        return true;
    }
    c.lines += 1;
    match parse_line(text) {
        Ok(EveItem::Ignored) => c.ignored += 1,
        Ok(item) => pipeline.eve(item, &mut p.batch),
        Err(e) => {
            *c.skipped
                .entry(
                    e.to_string()
                        .split(':')
                        .next()
                        .unwrap_or("bad line")
                        .to_string(),
                )
                .or_insert(0) += 1;
            return false;
        }
    }
    true
}

/// Where to start reading `path`, given what the store holds.
fn start(store: &Store, path: &Path, force: bool, file: &mut File) -> crate::Result<Pending> {
    let plan = identity::plan(store, path, force).map_err(|e| crate::Error::Input {
        path: path.display().to_string(),
        why: e.to_string(),
    })?;
    let (mark, pos) = match plan {
        Plan::Fresh(m) => (m, 0),
        // EVE marks are never complete, so these come back as `Resume`.
        Plan::Resume(m) | Plan::Skip(m) => {
            let at = m.size;
            (m, at)
        }
        // Only a complete (capture) mark grows: not an EVE one, read it all.
        Plan::Grown(m) => (
            FileMark {
                start_packets: 0,
                ..m
            },
            0,
        ),
    };
    Ok(Pending::open(file, mark, pos)?)
}

fn open(path: &Path) -> crate::Result<File> {
    File::open(path).map_err(|e| crate::Error::Input {
        path: path.display().to_string(),
        why: format!("opening: {e}"),
    })
}

/// Read an EVE file (and, with `follow`, what is appended to it), from where
/// the store's mark for it ends (from the start with `force`).
pub fn ingest_eve(
    pipeline: &mut Pipeline,
    path: &Path,
    follow: bool,
    force: bool,
) -> crate::Result<Counts> {
    let mut file = open(path)?;
    let mut p = start(pipeline.store(), path, force, &mut file)?;
    let mut c = Counts {
        resumed_at: p.pos,
        ..Counts::default()
    };
    let mut reader = BufReader::new(file);
    let mut buf = String::new();
    loop {
        buf.clear();
        let n = reader.read_line(&mut buf)?;
        if n > 0 && buf.ends_with('\n') {
            line(&buf, pipeline, &mut p, &mut c);
            p.advance(buf.as_bytes());
            if p.batch.records.len() >= BATCH || p.batch.detections.len() >= BATCH {
                p.commit(pipeline, &mut c)?;
            }
            continue;
        }
        if !follow {
            if n > 0 {
                // A last line without its newline: kept when it is a whole
                // event, else left for a later run (it may still be written).
                if line(&buf, pipeline, &mut p, &mut c) {
                    p.advance(buf.as_bytes());
                } else {
                    c.partial = true;
                }
            }
            break;
        }
        // Following: a partial last line is read again once complete.
        p.commit(pipeline, &mut c)?;
        std::thread::sleep(Duration::from_millis(200));
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(p.pos);
        if len < p.pos {
            // Rotated or truncated: a new file, known or not.
            let mut file = open(path)?;
            p = start(pipeline.store(), path, false, &mut file)?;
            reader = BufReader::new(file);
        } else {
            reader.seek(SeekFrom::Start(p.pos))?;
        }
    }
    p.commit(pipeline, &mut c)?;
    Ok(c)
}

fn ip(v: &Option<Value>) -> Option<IpAddr> {
    v.as_ref()?.as_str()?.parse().ok()
}

fn port(v: &Option<Value>) -> Option<u16> {
    u16::try_from(v.as_ref()?.as_u64()?).ok()
}

fn count(v: &Option<Value>) -> u64 {
    v.as_ref().and_then(Value::as_u64).unwrap_or(0)
}

/// A Suricata flow as the detectors read flows. Suricata does not give
/// Zeek's state and history: a TCP flow the server never answered is Zeek's
/// `S0` (history `S`, no payload), an answered one is taken as established
/// (`SF`, history `ShAD`); payload bytes are Suricata's byte counts (IP
/// bytes, an upper bound).
pub fn flow_for_detectors(f: &SuricataFlow, time_ms: i64) -> Option<FlowRecord> {
    let proto = match f.ipproto.as_ref()?.as_str()? {
        "TCP" => 6,
        "UDP" => 17,
        "ICMP" => 1,
        "IPv6-ICMP" => 58,
        "SCTP" => 132,
        _ => 0,
    };
    let answered = count(&f.server_pkts) > 0;
    let (conn_state, history) = match (proto, answered) {
        (6, false) => ("S0", "S"),
        (6, true) => ("SF", "ShAD"),
        (_, false) => ("S0", "D"),
        (_, true) => ("SF", "Dd"),
    };
    let first_ns = f.first_seen.unwrap_or(time_ms) * 1_000_000;
    let (client_bytes, server_bytes) = (count(&f.client_bytes), count(&f.server_bytes));
    Some(FlowRecord {
        id: count(&f.flow_id),
        first_ns,
        last_ns: f.last_seen.map_or(first_ns, |t| t * 1_000_000),
        proto,
        orig: (ip(&f.client_addr)?, port(&f.client_port).unwrap_or(0)),
        resp: (ip(&f.server_addr)?, port(&f.server_port).unwrap_or(0)),
        service: None,
        conn_state,
        history: history.to_string(),
        orig_pkts: count(&f.client_pkts),
        orig_ip_bytes: client_bytes,
        resp_pkts: count(&f.server_pkts),
        resp_ip_bytes: server_bytes,
        orig_l2_bytes: client_bytes,
        resp_l2_bytes: server_bytes,
        orig_bytes: if answered { client_bytes } else { 0 },
        resp_bytes: server_bytes,
        vlan: None,
        orig_mac: None,
        resp_mac: None,
        tunnel: None,
    })
}

/// A Suricata DNS query as the detectors read queries.
pub fn query_for_detectors(d: &SuricataDns, time_ms: i64) -> Option<(Endpoints, DnsEvent)> {
    let ts_ns = time_ms * 1_000_000;
    let ends = Endpoints {
        flow_id: count(&d.flow_id),
        ts_ns,
        client: (ip(&d.client_addr)?, port(&d.client_port).unwrap_or(0)),
        server: (ip(&d.server_addr)?, port(&d.server_port).unwrap_or(0)),
        vlan: None,
    };
    let q = DnsEvent {
        id: d.id.as_ref().and_then(Value::as_u64).unwrap_or(0) as u16,
        query: d.qname.as_ref()?.as_str()?.to_string(),
        qtype: d
            .qtype
            .as_ref()
            .and_then(Value::as_str)
            .and_then(wirewatch_wire::dns::qtype_from_name)
            .unwrap_or(0),
        ts_ns,
        rcode: None,
        answers: Vec::new(),
        ttls: Vec::new(),
        addresses: Vec::new(),
        rtt_ms: None,
        authoritative: false,
    };
    Some((ends, q))
}

impl Pipeline {
    /// One EVE event: a record goes through the detectors (flows and DNS
    /// queries: what they read) into `batch`, with what they raised; an
    /// alert is a detection.
    pub fn eve(&mut self, item: EveItem, batch: &mut Batch) {
        self.refresh_thresholds();
        match item {
            EveItem::Record(r) => {
                match &r.record {
                    Record::SuricataFlow(f) => {
                        if let Some(f) = flow_for_detectors(f, r.time_ms) {
                            self.engine.flow(&f);
                        }
                    }
                    Record::SuricataDnsRequest(d) => {
                        if let Some((ends, q)) = query_for_detectors(d, r.time_ms) {
                            self.engine.dns_query(&ends, &q);
                        }
                    }
                    _ => {}
                }
                batch.detections.extend(self.engine.take());
                batch.records.push(r);
            }
            EveItem::Detection(d) => batch.detections.push(*d),
            EveItem::Ignored => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn flow(to_client: u64) -> SuricataFlow {
        SuricataFlow {
            client_addr: Some(json!("198.51.100.7")),
            client_port: Some(json!(40001)),
            server_addr: Some(json!("10.0.0.5")),
            server_port: Some(json!(22)),
            ipproto: Some(json!("TCP")),
            client_pkts: Some(json!(3)),
            server_pkts: Some(json!(to_client)),
            client_bytes: Some(json!(180)),
            server_bytes: Some(json!(to_client * 60)),
            first_seen: Some(1_000),
            last_seen: Some(3_000),
            ..SuricataFlow::default()
        }
    }

    #[test]
    fn unanswered_tcp_flows_are_zeek_s0_without_payload() {
        let f = flow_for_detectors(&flow(0), 0).unwrap();
        assert_eq!((f.proto, f.conn_state, f.history.as_str()), (6, "S0", "S"));
        assert_eq!(f.orig_bytes, 0);
        assert_eq!((f.first_ns, f.last_ns), (1_000_000_000, 3_000_000_000));
        assert_eq!(f.resp, ("10.0.0.5".parse().unwrap(), 22));
    }

    #[test]
    fn answered_tcp_flows_are_established() {
        let f = flow_for_detectors(&flow(2), 0).unwrap();
        assert_eq!((f.conn_state, f.history.as_str()), ("SF", "ShAD"));
        assert_eq!((f.orig_bytes, f.resp_bytes), (180, 120));
    }

    #[test]
    fn flows_without_addresses_are_not_for_the_detectors() {
        let mut f = flow(0);
        f.client_addr = Some(json!("not an address"));
        assert!(flow_for_detectors(&f, 0).is_none());
    }

    #[test]
    fn dns_queries_carry_their_type_number() {
        let d = SuricataDns {
            client_addr: Some(json!("10.0.0.1")),
            server_addr: Some(json!("10.0.0.53")),
            qname: Some(json!("x.example")),
            qtype: Some(json!("TXT")),
            ..SuricataDns::default()
        };
        let (ends, q) = query_for_detectors(&d, 5).unwrap();
        assert_eq!(
            (q.query.as_str(), q.qtype, q.ts_ns),
            ("x.example", 16, 5_000_000)
        );
        assert_eq!(ends.client.0, "10.0.0.1".parse::<IpAddr>().unwrap());
    }
}
