//! `records_index DATA_DIR COUNT RUNS`: the record search on the store
//! itself (no HTTP), for comparing segment index layouts (bench/records_index.sh).
//!
//! Fills an empty DATA_DIR with COUNT synthetic records over the last 24
//! hours as `populate_records` does (`~flow` on 50 server ports, clients in
//! 10.0.0.0/12, one record in ten a `~dns_request`), printing the insert
//! rate, then runs the headline query with the old names (`serverPort` =
//! 443 and `clientAddr` in 10.1.0.0/16) and with the `~flow` names
//! (`receiverPort`, `senderAddr`) RUNS times each — the last 2 days, newest
//! 100, exact total — printing p50, p95, max (ms) and the total.

use serde_json::json;
use std::net::IpAddr;
use std::time::Instant;
use wirewatch_model::device_filter::DeviceFilter;
use wirewatch_model::record::Record;
use wirewatch_model::record_filter::{RecordContext, RecordFilter};
use wirewatch_store::{NewRecord, RecordQuery, Store, StoreOptions};

/// The filters here name no device, group or locality.
struct NoObjects;

impl RecordContext for NoObjects {
    fn device_ips(&self, _: &str) -> Option<Vec<IpAddr>> {
        None
    }
    fn group_ips(&self, _: &str) -> Option<Vec<IpAddr>> {
        None
    }
    fn filter_ips(&self, _: &DeviceFilter) -> wirewatch_model::error::Result<Vec<IpAddr>> {
        Ok(Vec::new())
    }
    fn locality_nets(&self, _: &str) -> Option<Vec<ipnet::IpNet>> {
        None
    }
}

/// xorshift64: the same records on every run.
struct Gen(u64);

impl Gen {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

fn fill(store: &Store, count: i64) -> Result<(), Box<dyn std::error::Error>> {
    let now = wirewatch_model::now_ms();
    let mut g = Gen(7);
    let start = Instant::now();
    let mut done = 0;
    while done < count {
        let n = (count - done).min(10_000);
        let mut batch = Vec::with_capacity(n as usize);
        for i in 0..n {
            let t = now - 86_400_000 + (done + i) * 86_400_000 / count;
            let client = format!("10.{}.{}.{}", g.below(16), g.below(256), 1 + g.below(254));
            let record = if (done + i) % 10 == 9 {
                let f = json!({"clientAddr": client, "clientPort": 1024 + g.below(60000),
                    "serverAddr": "192.0.2.53", "serverPort": 53, "qtype": "A",
                    "qname": format!("host{}.site{}.example.com", g.below(1000), g.below(100))});
                Record::SuricataDnsRequest(Box::new(serde_json::from_value(f)?))
            } else {
                let port = [22, 53, 80, 443, 445, 3389, 8080][g.below(7) as usize]
                    + 1000 * (g.below(7) as i64 / 6);
                let f = json!({"clientAddr": client, "clientPort": 1024 + g.below(60000),
                    "serverAddr": format!("192.0.2.{}", 1 + g.below(254)), "serverPort": port,
                    "ipproto": "TCP", "clientBytes": g.below(100_000),
                    "serverBytes": g.below(1_000_000)});
                Record::SuricataFlow(Box::new(serde_json::from_value(f)?))
            };
            batch.push(NewRecord {
                time_ms: t,
                record,
                devices: Default::default(),
                threat: Vec::new(),
            });
        }
        store.insert_records(&batch)?;
        done += n;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "inserted {count} records in {secs:.1} s ({:.0}/s)",
        count as f64 / secs
    );
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let usage = "usage: records_index DATA_DIR COUNT RUNS";
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or(usage)?;
    let count: i64 = args.next().ok_or(usage)?.parse()?;
    let runs: usize = args.next().ok_or(usage)?.parse()?;
    let store = Store::open(std::path::Path::new(&dir), StoreOptions::default())?;
    if store.record_segment_count()? == 0 {
        fill(&store, count)?;
    }
    for (label, port, addr) in [
        (
            "serverPort + clientAddr (old names)",
            "serverPort",
            "clientAddr",
        ),
        (
            "receiverPort + senderAddr (~flow names)",
            "receiverPort",
            "senderAddr",
        ),
    ] {
        let filter: RecordFilter = serde_json::from_value(json!({"operator": "and", "rules": [
            {"field": port, "operator": "=", "operand": 443},
            {"field": addr, "operator": "=", "operand": "10.1.0.0/16"}]}))?;
        let compiled = filter.compile("filter", &NoObjects)?;
        let until = wirewatch_model::now_ms();
        let mut times = Vec::with_capacity(runs);
        let mut total = 0;
        for _ in 0..runs.max(1) {
            let t = Instant::now();
            let (n, page) = store.search_records(&RecordQuery {
                from_ms: until - 2 * 86_400_000,
                until_ms: until,
                types: vec![],
                filter: Some(&compiled),
                sort: vec![],
                limit: 100,
                offset: 0,
            })?;
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            assert_eq!(page.len(), 100);
            total = n;
        }
        times.sort_by(f64::total_cmp);
        let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
        println!(
            "{label:42} {} runs: p50 {:.2} ms, p95 {:.2} ms, max {:.2} ms; total {total}",
            times.len(),
            at(0.5),
            at(0.95),
            times[times.len() - 1]
        );
    }
    Ok(())
}
