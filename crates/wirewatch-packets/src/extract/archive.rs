//! The zip an extraction answers with: the files under a folder per
//! protocol (`http/`, `ftp/`, `smtp/`; names made safe and unique), and
//! `manifest.json` and `manifest.csv` listing each file's path, name,
//! protocol, TCP flow (sender and receiver address and port), time, size,
//! sha256, content type, the encoding removed, whether it is complete and
//! why not — and the extraction's `notes` (what the limits left out).
//! Entries are deflated at the fastest level.

use super::{Extraction, File};
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::io::Write;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

/// Longest file name kept (in characters, before the extension is kept).
const MAX_NAME: usize = 120;

/// One row of the manifest.
#[derive(Debug, serde::Serialize)]
pub struct Entry {
    /// The file's path in the zip.
    pub path: String,
    /// The name the transfer gave it.
    pub name: String,
    pub protocol: &'static str,
    /// `tcp`: every file comes from a TCP stream.
    pub proto: &'static str,
    pub sender_addr: String,
    pub sender_port: u16,
    pub receiver_addr: String,
    pub receiver_port: u16,
    /// The packet carrying the file's first byte: ISO 8601 UTC, and
    /// milliseconds since the epoch.
    pub time: String,
    pub time_ms: i64,
    pub size: u64,
    pub sha256: String,
    pub content_type: Option<String>,
    pub decoded_from: Option<String>,
    pub complete: bool,
    pub note: Option<String>,
}

#[derive(Debug, serde::Serialize)]
struct Manifest<'a> {
    files: &'a [Entry],
    notes: &'a [String],
    packets: u64,
    connections: usize,
}

/// Why the zip could not be written (in memory: only a zip library error).
#[derive(Debug, thiserror::Error)]
#[error("writing the extraction zip: {0}")]
pub struct ZipError(String);

/// A name safe in a zip on every system: no path, no control or reserved
/// characters, not empty or dots only, at most [`MAX_NAME`] characters.
fn safe(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let mut s: String = base
        .chars()
        .map(|c| {
            if c.is_control() || matches!(c, ':' | '*' | '?' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                c
            }
        })
        .collect();
    s = s.trim().trim_start_matches('.').to_string();
    if s.is_empty() {
        s = "file".into();
    }
    if s.chars().count() > MAX_NAME {
        s = s.chars().take(MAX_NAME).collect();
    }
    s
}

fn unique(dir: &str, name: &str, taken: &mut HashSet<String>) -> String {
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    let mut path = format!("{dir}/{name}");
    let mut n = 2;
    while taken.contains(&path.to_ascii_lowercase()) {
        path = format!("{dir}/{stem} ({n}){ext}");
        n += 1;
    }
    taken.insert(path.to_ascii_lowercase());
    path
}

/// `2026-12-06T21:37:25.123Z`
pub fn iso(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

fn zip_time(ms: i64) -> DateTime {
    let t = iso(ms);
    let n = |a: usize, b: usize| t.get(a..b).and_then(|x| x.parse().ok()).unwrap_or(0);
    DateTime::from_date_and_time(
        n(0, 4) as u16,
        n(5, 7) as u8,
        n(8, 10) as u8,
        n(11, 13) as u8,
        n(14, 16) as u8,
        n(17, 19) as u8,
    )
    .unwrap_or_default()
}

fn entry(f: &File, path: String) -> Entry {
    let ms = f.time_ns.div_euclid(1_000_000);
    Entry {
        path,
        name: f.name.clone(),
        protocol: f.protocol.as_str(),
        proto: "tcp",
        sender_addr: f.sender.ip().to_string(),
        sender_port: f.sender.port(),
        receiver_addr: f.receiver.ip().to_string(),
        receiver_port: f.receiver.port(),
        time: iso(ms),
        time_ms: ms,
        size: f.data.len() as u64,
        sha256: hex::encode(Sha256::digest(&f.data)),
        content_type: f.content_type.clone(),
        decoded_from: f.decoded_from.clone(),
        complete: f.complete,
        note: f.note.clone(),
    }
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn csv(entries: &[Entry]) -> String {
    let mut out = String::from("path,name,protocol,proto,sender_addr,sender_port,receiver_addr,receiver_port,time,size,sha256,content_type,decoded_from,complete,note\r\n");
    for e in entries {
        let row = [
            csv_field(&e.path),
            csv_field(&e.name),
            e.protocol.to_string(),
            e.proto.to_string(),
            e.sender_addr.clone(),
            e.sender_port.to_string(),
            e.receiver_addr.clone(),
            e.receiver_port.to_string(),
            e.time.clone(),
            e.size.to_string(),
            e.sha256.clone(),
            csv_field(e.content_type.as_deref().unwrap_or("")),
            csv_field(e.decoded_from.as_deref().unwrap_or("")),
            e.complete.to_string(),
            csv_field(e.note.as_deref().unwrap_or("")),
        ];
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out
}

/// The zip of an extraction, and its manifest's entries.
pub fn write(ex: &Extraction) -> Result<(Vec<u8>, Vec<Entry>), ZipError> {
    let err = |e: &dyn std::fmt::Display| ZipError(e.to_string());
    let mut z = ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut taken = HashSet::new();
    taken.insert("manifest.json".to_string());
    taken.insert("manifest.csv".to_string());
    let mut entries = Vec::with_capacity(ex.files.len());
    let mut latest = 0;
    for f in &ex.files {
        let path = unique(f.protocol.as_str(), &safe(&f.name), &mut taken);
        let e = entry(f, path);
        latest = latest.max(e.time_ms);
        let opts = SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(1))
            .last_modified_time(zip_time(e.time_ms))
            .large_file(f.data.len() as u64 >= u64::from(u32::MAX));
        z.start_file(e.path.as_str(), opts).map_err(|e| err(&e))?;
        z.write_all(&f.data).map_err(|e| err(&e))?;
        entries.push(e);
    }
    let manifest = Manifest {
        files: &entries,
        notes: &ex.notes,
        packets: ex.packets,
        connections: ex.connections,
    };
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(zip_time(latest));
    let json = serde_json::to_vec_pretty(&manifest).map_err(|e| err(&e))?;
    z.start_file("manifest.json", opts).map_err(|e| err(&e))?;
    z.write_all(&json).map_err(|e| err(&e))?;
    z.start_file("manifest.csv", opts).map_err(|e| err(&e))?;
    z.write_all(csv(&entries).as_bytes()).map_err(|e| err(&e))?;
    let out = z.finish().map_err(|e| err(&e))?.into_inner();
    Ok((out, entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::extract::Protocol;
    use std::io::Read;

    fn file(name: &str, data: &[u8]) -> File {
        File {
            name: name.into(),
            protocol: Protocol::Http,
            sender: "10.0.0.2:80".parse().unwrap(),
            receiver: "10.0.0.1:40000".parse().unwrap(),
            time_ns: 1_765_000_000_123_000_000,
            data: data.to_vec(),
            content_type: Some("text/plain".into()),
            decoded_from: None,
            complete: true,
            note: None,
        }
    }

    #[test]
    fn names_are_safe_and_unique_and_the_manifest_lists_each_file() {
        let ex = Extraction {
            files: vec![
                file("../../etc/passwd", b"one"),
                file("passwd", b"two"),
                file("..", b"three"),
                file("a,b.txt", b""),
            ],
            notes: vec!["a note".into()],
            connections: 1,
            packets: 9,
        };
        let (bytes, entries) = write(&ex).unwrap();
        let paths: Vec<_> = entries.iter().map(|e| e.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "http/passwd",
                "http/passwd (2)",
                "http/file",
                "http/a,b.txt"
            ]
        );
        let mut a = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
        let mut two = String::new();
        a.by_name("http/passwd (2)")
            .unwrap()
            .read_to_string(&mut two)
            .unwrap();
        assert_eq!(two, "two");
        let mut m = String::new();
        a.by_name("manifest.json")
            .unwrap()
            .read_to_string(&mut m)
            .unwrap();
        let m: serde_json::Value = serde_json::from_str(&m).unwrap();
        assert_eq!(m["files"][1]["sha256"], hex::encode(Sha256::digest(b"two")));
        assert_eq!(m["files"][0]["time"], "2025-12-06T05:46:40.123Z");
        assert_eq!(m["notes"][0], "a note");
        let mut c = String::new();
        a.by_name("manifest.csv")
            .unwrap()
            .read_to_string(&mut c)
            .unwrap();
        assert!(
            c.lines()
                .nth(4)
                .unwrap()
                .starts_with("\"http/a,b.txt\",\"a,b.txt\",http,tcp,10.0.0.2,80,"),
            "{c}"
        );
    }
}
