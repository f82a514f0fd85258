//! `wirewatch ingest --eve FILE [--follow]`: Suricata EVE JSON into the store.

use anyhow::Context;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::Path;
use std::time::Duration;
use wirewatch_sensor::eve::{parse_line, EveItem};
use wirewatch_store::{NewRecord, Store};

/// Records written per transaction.
const BATCH: usize = 2_000;

#[derive(Default)]
struct Counts {
    lines: u64,
    records: u64,
    detections: u64,
    ignored: u64,
    skipped: BTreeMap<String, u64>,
}

fn flush(store: &Store, recs: &mut Vec<NewRecord>, c: &mut Counts) -> anyhow::Result<()> {
    c.records += store
        .insert_records(recs)
        .map_err(wirewatch_model::Error::from)? as u64;
    recs.clear();
    Ok(())
}

fn line(
    store: &Store,
    text: &str,
    recs: &mut Vec<NewRecord>,
    c: &mut Counts,
) -> anyhow::Result<()> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(());
    }
    c.lines += 1;
    match parse_line(text) {
        Ok(EveItem::Record {
            kind,
            time_ms,
            fields,
        }) => {
            recs.push(NewRecord {
                kind,
                time_ms,
                fields,
            });
            if recs.len() >= BATCH {
                flush(store, recs, c)?;
            }
        }
        Ok(EveItem::Detection(d)) => match store.create_detection(*d) {
            Ok(_) => c.detections += 1,
            Err(e) => {
                *c.skipped
                    .entry(format!(
                        "detection not stored: {}",
                        wirewatch_model::Error::from(e).message
                    ))
                    .or_insert(0) += 1
            }
        },
        Ok(EveItem::Ignored) => c.ignored += 1,
        Err(e) => {
            *c.skipped
                .entry(
                    e.to_string()
                        .split(':')
                        .next()
                        .unwrap_or("bad line")
                        .to_string(),
                )
                .or_insert(0) += 1
        }
    }
    Ok(())
}

/// Read an EVE file (and, with `follow`, what is appended to it).
pub fn ingest_eve(store: &Store, path: &Path, follow: bool) -> anyhow::Result<()> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut reader = BufReader::new(file);
    let mut c = Counts::default();
    let mut recs = Vec::new();
    let mut buf = String::new();
    let mut pos = 0u64;
    loop {
        buf.clear();
        let n = reader.read_line(&mut buf)?;
        if n > 0 && buf.ends_with('\n') {
            pos += n as u64;
            line(store, &buf, &mut recs, &mut c)?;
            continue;
        }
        if !follow {
            if n > 0 {
                line(store, &buf, &mut recs, &mut c)?;
            }
            break;
        }
        // Following: a partial last line is read again once complete.
        flush(store, &mut recs, &mut c)?;
        std::thread::sleep(Duration::from_millis(200));
        let len = std::fs::metadata(path).map(|m| m.len()).unwrap_or(pos);
        if len < pos {
            // Rotated or truncated: start over.
            pos = 0;
        }
        reader.seek(SeekFrom::Start(pos))?;
    }
    flush(store, &mut recs, &mut c)?;
    println!(
        "EVE {}: {} lines, {} records, {} detections, {} events of other types ignored",
        path.display(),
        c.lines,
        c.records,
        c.detections,
        c.ignored
    );
    for (why, n) in &c.skipped {
        println!("  skipped {n} line(s): {why}");
    }
    Ok(())
}
