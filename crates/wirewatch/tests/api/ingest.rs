//! Ingest is idempotent: reruns, renamed copies, a run killed midway and a
//! capture that grew store each record and detection once; inputs that cannot
//! be read make the command fail and are named. All through the real binary.

use crate::common::*;
use serde_json::{json, Value};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn shared(p: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(p)
}

/// `wirewatch ingest --quiet --data-dir DIR ARGS…`: (success, stdout, stderr).
fn ingest(dir: &Path, args: &[&str], files: &[&Path]) -> (bool, String, String) {
    ingest_into(dir, args, files)
}

/// A record search's `until` past every capture's time (some captures have
/// timestamps in the future); `from` is 0 when not given.
const ALL_UNTIL: i64 = 253_402_300_799_000;

/// Everything a store holds that ingest writes, read back through a server on
/// it: every record (type and fields, sorted) and every detection (without
/// the ids and times that say when it was stored, sorted).
struct Contents {
    records: Vec<String>,
    detections: Vec<String>,
}

fn contents(dir: &Path) -> Contents {
    let s = Server::start_on(dir);
    let mut records = Vec::new();
    let first = s.post(
        "/api/v1/records/search",
        json!({"until": ALL_UNTIL, "limit": 10000, "context_ttl": "5m"}),
    );
    assert_eq!(first.status, 200, "{}", first.text);
    let total = first.body["total"].as_u64().unwrap() as usize;
    let cursor = first.body["cursor"].as_str().unwrap().to_string();
    let mut page = first.body;
    loop {
        let recs = page["records"].as_array().unwrap();
        if recs.is_empty() {
            break;
        }
        for r in recs {
            records.push(json!({"type": r["_type"], "source": r["_source"]}).to_string());
        }
        page = s
            .post("/api/v1/records/cursor", json!({"cursor": cursor}))
            .body;
    }
    assert_eq!(records.len(), total);
    records.sort();
    let r = s.post("/api/v1/detections/search", json!({}));
    assert_eq!(r.status, 200, "{}", r.text);
    let mut detections: Vec<String> = r
        .body
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            let mut d = d.clone();
            let o = d.as_object_mut().unwrap();
            for k in ["id", "create_time", "update_time", "mod_time", "url"] {
                o.remove(k);
            }
            for p in o["participants"].as_array_mut().unwrap() {
                p.as_object_mut().unwrap().remove("id");
            }
            d.to_string()
        })
        .collect();
    detections.sort();
    Contents {
        records,
        detections,
    }
}

fn assert_same(got: &Contents, want: &Contents, what: &str) {
    assert_eq!(
        got.records.len(),
        want.records.len(),
        "{what}: record count differs"
    );
    let diff = got.records.iter().zip(&want.records).find(|(a, b)| a != b);
    assert!(diff.is_none(), "{what}: records differ: {diff:?}");
    assert_eq!(got.detections, want.detections, "{what}: detections differ");
}

#[test]
fn rerun_and_renamed_copy_store_nothing_twice_and_force_analyses_again() {
    let ssh = shared("zeek/traces/ssh/sshguess.pcap");
    let ftp = shared("zeek/traces/ftp/bruteforce.pcap");
    let wiki = shared("zeek/traces/wikipedia.pcap");
    let files = [ssh.as_path(), ftp.as_path(), wiki.as_path()];
    let clean = tempfile::tempdir().unwrap();
    let (ok, first, err) = ingest(clean.path(), &[], &files);
    assert!(ok, "{err}");
    let records = summary_number(&first, "records written ");
    assert!(records > 50, "{first}");
    assert!(summary_number(&first, "detections ") >= 2, "{first}");
    let want = contents(clean.path());
    assert_eq!(want.records.len() as u64, records);

    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = ingest(dir.path(), &[], &files);
    assert!(ok, "{err}");
    // The same files again: nothing stored twice.
    let (ok, again, err) = ingest(dir.path(), &[], &files);
    assert!(ok, "{err}");
    assert!(
        again.contains("already stored, skipped: 3 file(s)"),
        "{again}"
    );
    assert_eq!(summary_number(&again, "records written "), 0, "{again}");
    assert_eq!(summary_number(&again, "detections "), 0, "{again}");
    // A renamed copy is the same capture.
    let copy = dir.path().join("renamed.pcap");
    std::fs::copy(&ssh, &copy).unwrap();
    let (ok, renamed, err) = ingest(dir.path(), &[], &[&copy]);
    assert!(ok, "{err}");
    assert!(renamed.contains("skipped: 1 file(s)"), "{renamed}");
    assert_same(&contents(dir.path()), &want, "after a rerun");

    // --force analyses on purpose: everything once more.
    let (ok, forced, err) = ingest(dir.path(), &["--force"], &files);
    assert!(ok, "{err}");
    assert_eq!(
        summary_number(&forced, "records written "),
        records,
        "{forced}"
    );
    assert_eq!(contents(dir.path()).records.len() as u64, 2 * records);
}

fn u32_at(b: &[u8], at: usize, big: bool) -> u32 {
    let x: [u8; 4] = b[at..at + 4].try_into().unwrap();
    if big {
        u32::from_be_bytes(x)
    } else {
        u32::from_le_bytes(x)
    }
}

/// A pcapng block (little-endian): type, body padded to 4 bytes, lengths.
fn block(kind: u32, body: &[u8]) -> Vec<u8> {
    let pad = (4 - body.len() % 4) % 4;
    let len = (12 + body.len() + pad) as u32;
    let mut b = Vec::with_capacity(len as usize);
    b.extend(kind.to_le_bytes());
    b.extend(len.to_le_bytes());
    b.extend(body);
    b.extend(std::iter::repeat_n(0u8, pad));
    b.extend(len.to_le_bytes());
    b
}

/// A pcap file as one pcapng section (its records up to the first damaged
/// one); `None` when it is not a pcap file.
fn pcap_as_section(d: &[u8]) -> Option<Vec<u8>> {
    let (big, nanos) = match d.get(..4)? {
        [0xd4, 0xc3, 0xb2, 0xa1] => (false, false),
        [0xa1, 0xb2, 0xc3, 0xd4] => (true, false),
        [0x4d, 0x3c, 0xb2, 0xa1] => (false, true),
        [0xa1, 0xb2, 0x3c, 0x4d] => (true, true),
        _ => return None,
    };
    if d.len() < 24 {
        return None;
    }
    let mut out = block(
        0x0a0d_0d0a,
        &[&0x1a2b_3c4du32.to_le_bytes()[..], &[1, 0, 0, 0], &[0xff; 8]].concat(),
    );
    let mut idb = Vec::new();
    idb.extend(((u32_at(d, 20, big) & 0xffff) as u16).to_le_bytes());
    idb.extend([0, 0]);
    idb.extend(0u32.to_le_bytes());
    if nanos {
        idb.extend([9, 0, 1, 0, 9, 0, 0, 0]);
    }
    idb.extend([0, 0, 0, 0]);
    out.extend(block(1, &idb));
    let mut at = 24;
    while at + 16 <= d.len() {
        let caplen = u32_at(d, at + 8, big) as usize;
        if caplen > 256 * 1024 || at + 16 + caplen > d.len() {
            break;
        }
        let unit = if nanos { 1_000_000_000u64 } else { 1_000_000 };
        let ts = u64::from(u32_at(d, at, big)) * unit + u64::from(u32_at(d, at + 4, big));
        let mut epb = Vec::with_capacity(20 + caplen);
        epb.extend(0u32.to_le_bytes());
        epb.extend(((ts >> 32) as u32).to_le_bytes());
        epb.extend((ts as u32).to_le_bytes());
        epb.extend((caplen as u32).to_le_bytes());
        epb.extend(u32_at(d, at + 12, big).to_le_bytes());
        epb.extend(&d[at + 16..at + 16 + caplen]);
        out.extend(block(6, &epb));
        at += 16 + caplen;
    }
    Some(out)
}

/// Whether a pcapng file's blocks are all well formed (a damaged block would
/// end the reading of everything concatenated after it).
fn pcapng_is_sound(d: &[u8]) -> bool {
    let (mut at, mut big) = (0, false);
    while at < d.len() {
        if at + 12 > d.len() {
            return false;
        }
        if d[at..at + 4] == [0x0a, 0x0d, 0x0d, 0x0a] {
            big = d[at + 8..at + 12] == [0x1a, 0x2b, 0x3c, 0x4d];
        }
        let len = u32_at(d, at + 4, big) as usize;
        if len < 12 || !len.is_multiple_of(4) || len > 320 * 1024 || at + len > d.len() {
            return false;
        }
        if u32_at(d, at + len - 4, big) as usize != len {
            return false;
        }
        at += len;
    }
    true
}

/// A real capture large enough that a run can be killed midway: every nDPI
/// capture (pcap ones turned into pcapng sections; pcapng sections may follow
/// one another), `copies` times over.
fn big_capture(dir: &Path, copies: usize) -> PathBuf {
    let mut parts: Vec<PathBuf> = std::fs::read_dir(shared("ndpi/pcaps"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    parts.sort();
    let mut one = Vec::new();
    for p in &parts {
        let d = std::fs::read(p).unwrap();
        if d.starts_with(&[0x0a, 0x0d, 0x0d, 0x0a]) {
            if pcapng_is_sound(&d) {
                one.extend(d);
            }
        } else if let Some(section) = pcap_as_section(&d) {
            one.extend(section);
        }
    }
    let path = dir.join("big.pcapng");
    std::fs::write(&path, one.repeat(copies)).unwrap();
    path
}

/// Start `wirewatch ingest` (with its progress line) and SIGKILL it once it
/// is half way through the file; false when it finished first.
fn kill_midway(dir: &Path, file: &Path) -> bool {
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirewatch"))
        .args(["ingest", "--data-dir"])
        .arg(dir)
        .arg(file)
        .env("WIREWATCH_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = child.stderr.take().unwrap();
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = err.read(&mut buf).unwrap();
        if n == 0 {
            break;
        }
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        // The progress line: "\r 52.1%  1234 packets …".
        let percent = seen
            .rsplit('\r')
            .filter_map(|line| line.split('%').next()?.trim().parse::<f64>().ok())
            .next();
        if percent.is_some_and(|p| p >= 50.0) {
            child.kill().unwrap();
            break;
        }
    }
    let status = child.wait().unwrap();
    !status.success()
}

fn record_total(dir: &Path) -> u64 {
    let s = Server::start_on(dir);
    let r = s.post(
        "/api/v1/records/search",
        json!({"until": ALL_UNTIL, "limit": 1}),
    );
    r.body["total"].as_u64().unwrap()
}

#[test]
fn a_run_killed_midway_resumes_to_the_same_store_as_one_clean_run() {
    let work = tempfile::tempdir().unwrap();
    let big = big_capture(work.path(), 2);
    let clean = work.path().join("clean");
    let (ok, text, err) = ingest(&clean, &[], &[&big]);
    assert!(ok, "{err}");
    let full = summary_number(&text, "records written ");
    let want = contents(&clean);
    assert_eq!(want.records.len() as u64, full);
    assert!(!want.detections.is_empty(), "{text}");

    let dir = work.path().join("killed");
    assert!(
        kill_midway(&dir, &big),
        "the run ended before it was killed"
    );
    let partial = record_total(&dir);
    assert!(
        partial > 0 && partial < full,
        "killed midway: {partial} of {full} records stored"
    );
    let (ok, text, err) = ingest(&dir, &[], &[&big]);
    assert!(ok, "{err}");
    assert_same(&contents(&dir), &want, "killed, then rerun");
    assert!(
        text.contains("resumed after an interrupted run: 1"),
        "{text}"
    );
    assert_eq!(summary_number(&text, "records written "), full - partial);
    // And once more: nothing left to do.
    let (ok, text, err) = ingest(&dir, &[], &[&big]);
    assert!(ok, "{err}");
    assert_eq!(summary_number(&text, "records written "), 0, "{text}");
    assert_same(&contents(&dir), &want, "killed, rerun, rerun");
}

/// A pcap file cut after `keep` packets.
fn pcap_prefix(data: &[u8], keep: usize) -> Vec<u8> {
    let mut at = 24;
    for _ in 0..keep {
        let caplen = u32::from_le_bytes(data[at + 8..at + 12].try_into().unwrap()) as usize;
        at += 16 + caplen;
    }
    data[..at].to_vec()
}

/// The DNS queries a store holds (without the flow ids, which count from 1 in
/// each analysis), sorted.
fn dns_queries(dir: &Path) -> Vec<String> {
    let mut out: Vec<String> = contents(dir)
        .records
        .iter()
        .map(|r| serde_json::from_str::<Value>(r).unwrap())
        .filter(|r| r["type"] == "~dns_request")
        .map(|mut r| {
            r["source"].as_object_mut().unwrap().remove("flowId");
            r.to_string()
        })
        .collect();
    out.sort();
    out
}

#[test]
fn a_capture_that_grew_adds_only_its_new_packets() {
    // DNS queries are records of single packets: a clean run of the whole
    // file, and a run of its first part followed by one of the grown file,
    // store the same queries, none twice. One capture is larger than the 4 KiB
    // that name a file, one smaller.
    for (name, keep) in [
        ("ndpi/pcaps/dns_exfiltration.pcap", 150),
        ("ndpi/pcaps/dns_ambiguous_names.pcap", 10),
    ] {
        let src = std::fs::read(shared(name)).unwrap();
        assert_eq!(&src[..4], &[0xd4, 0xc3, 0xb2, 0xa1], "little-endian pcap");
        let work = tempfile::tempdir().unwrap();
        let whole = work.path().join("whole.pcap");
        std::fs::write(&whole, &src).unwrap();
        let clean = work.path().join("clean");
        let (ok, _, err) = ingest(&clean, &[], &[&whole]);
        assert!(ok, "{err}");
        let want = dns_queries(&clean);
        assert!(want.len() >= 5, "{name}: {}", want.len());

        let growing = work.path().join("growing.pcap");
        let dir = work.path().join("grown");
        std::fs::write(&growing, pcap_prefix(&src, keep)).unwrap();
        let (ok, text, err) = ingest(&dir, &[], &[&growing]);
        assert!(ok, "{err}");
        let before = dns_queries(&dir).len();
        assert!(
            before > 0 && before < want.len(),
            "{name}: {before} of {}: {text}",
            want.len()
        );
        std::fs::write(&growing, &src).unwrap();
        let (ok, text, err) = ingest(&dir, &[], &[&growing]);
        assert!(ok, "{err}");
        assert!(
            text.contains("grown since stored: 1 file(s)"),
            "{name}: {text}"
        );
        assert_eq!(dns_queries(&dir), want, "{name}");
        let (ok, text, err) = ingest(&dir, &[], &[&growing]);
        assert!(ok, "{err}");
        assert!(text.contains("skipped: 1 file(s)"), "{name}: {text}");
    }
}

#[test]
fn inputs_that_cannot_be_read_fail_the_command_and_are_named() {
    let work = tempfile::tempdir().unwrap();
    let missing = work.path().join("missing.pcap");
    let not_capture = work.path().join("notes.txt");
    std::fs::write(&not_capture, "hello, not a capture\n").unwrap();
    let a_dir = work.path().join("captures");
    std::fs::create_dir(&a_dir).unwrap();
    for (bad, why) in [
        (&missing, "no such file"),
        (&not_capture, "not a pcap or pcapng file"),
        (&a_dir, "is a directory"),
    ] {
        let (ok, _, err) = ingest(&work.path().join("store"), &[], &[bad]);
        assert!(!ok, "{}: {err}", bad.display());
        let line = format!("{}: {why}", bad.display());
        assert!(err.contains(&line), "want \"{line}\" in {err}");
    }
    // Good and bad together: the good one is ingested, the command still fails
    // and names only the bad ones.
    let good = shared("zeek/traces/wikipedia.pcap");
    let dir = work.path().join("mixed");
    let (ok, text, err) = ingest(&dir, &[], &[&missing, &good, &not_capture]);
    assert!(!ok, "{text}");
    assert!(summary_number(&text, "records written ") > 20, "{text}");
    assert!(text.contains("ingested 1 file(s)"), "{text}");
    assert!(
        err.contains("2 of 3 input file(s) could not be read"),
        "{err}"
    );
    assert!(err.contains(&missing.display().to_string()), "{err}");
    assert!(err.contains(&not_capture.display().to_string()), "{err}");
    assert!(!err.contains(&good.display().to_string()), "{err}");
    assert_eq!(
        record_total(&dir),
        summary_number(&text, "records written ")
    );
}

#[test]
fn serve_pcap_after_a_restart_skips_what_is_stored() {
    let wiki = shared("zeek/traces/wikipedia.pcap");
    let ssh = shared("zeek/traces/ssh/sshguess.pcap");
    let (wiki, ssh) = (wiki.display().to_string(), ssh.display().to_string());
    let flows = |s: &Server, server: &str| {
        s.post(
            "/api/v1/records/search",
            json!({"from": 1, "types": ["~flow"], "filter": {"field": "serverAddr", "operator": "=", "operand": server}}),
        )
        .body["total"]
            .as_u64()
            .unwrap_or(0)
    };
    let wait = |s: &Server, server: &str| {
        for _ in 0..300 {
            if flows(s, server) > 0 {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("no flows to {server}");
    };
    let mut s = Server::start_args(false, &["--pcap", &wiki]);
    // wikipedia.pcap talks to 208.80.152.2; sshguess.pcap to 192.168.56.103.
    wait(&s, "208.80.152.2");
    let total = s
        .post(
            "/api/v1/records/search",
            json!({"until": ALL_UNTIL, "limit": 1}),
        )
        .body["total"]
        .as_u64()
        .unwrap();
    s.restart_args(&["--pcap", &wiki, &ssh]);
    // Files are taken in order: once the second one's flows are in, the first was decided.
    wait(&s, "192.168.56.103");
    s.kill();
    let (ok, text, err) = ingest(&s.data_dir(), &[], &[Path::new(&wiki)]);
    assert!(ok, "{err}");
    assert!(text.contains("skipped: 1 file(s)"), "{text}");
    let (ok, only_ssh, err) = ingest(
        &tempfile::tempdir().unwrap().path().join("d"),
        &[],
        &[Path::new(&ssh)],
    );
    assert!(ok, "{err}");
    assert_eq!(
        record_total(&s.data_dir()),
        total + summary_number(&only_ssh, "records written ")
    );
}

fn eve_fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/eve.json")
}

/// `wirewatch ingest --eve FILE ARGS…` into `dir`: (success, stdout, stderr).
fn ingest_eve(dir: &Path, file: &Path, args: &[&str]) -> (bool, String, String) {
    let mut all = vec!["--eve", file.to_str().unwrap()];
    all.extend_from_slice(args);
    ingest_into(dir, &all, &[] as &[&str])
}

/// What one run over the EVE fixture stores in an empty store.
fn eve_once() -> Contents {
    let clean = tempfile::tempdir().unwrap();
    let (ok, text, err) = ingest_eve(clean.path(), &eve_fixture(), &[]);
    assert!(ok, "{err}");
    assert!(text.contains("5 records, 2 detections"), "{text}");
    contents(clean.path())
}

#[test]
fn eve_rerun_and_renamed_copy_store_nothing_twice_and_force_reads_again() {
    let want = eve_once();
    assert_eq!(want.records.len(), 5);
    assert_eq!(want.detections.len(), 2);

    let dir = tempfile::tempdir().unwrap();
    let (ok, _, err) = ingest_eve(dir.path(), &eve_fixture(), &[]);
    assert!(ok, "{err}");
    let (ok, again, err) = ingest_eve(dir.path(), &eve_fixture(), &[]);
    assert!(ok, "{err}");
    assert!(
        again.contains("0 lines, 0 records, 0 detections"),
        "{again}"
    );
    let copy = dir.path().join("renamed-eve.json");
    std::fs::copy(eve_fixture(), &copy).unwrap();
    let (ok, renamed, err) = ingest_eve(dir.path(), &copy, &[]);
    assert!(ok, "{err}");
    assert!(
        renamed.contains("0 lines, 0 records, 0 detections"),
        "{renamed}"
    );
    assert_same(&contents(dir.path()), &want, "EVE rerun and renamed copy");

    // --force reads it all again, on purpose.
    let (ok, forced, err) = ingest_eve(dir.path(), &copy, &["--force"]);
    assert!(ok, "{err}");
    assert!(forced.contains("5 records, 2 detections"), "{forced}");
    let got = contents(dir.path());
    assert_eq!(got.records.len(), 10);
    assert_eq!(got.detections.len(), 4);
    // And the forced read is marked too: a rerun after it adds nothing.
    let (ok, after, err) = ingest_eve(dir.path(), &copy, &[]);
    assert!(ok, "{err}");
    assert!(after.contains("0 records, 0 detections"), "{after}");
}

#[test]
fn an_eve_file_that_grew_adds_only_its_new_lines_and_follow_restarts_at_the_mark() {
    let want = eve_once();
    let text = std::fs::read_to_string(eve_fixture()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    // Alert, http and flow first; the rest (another alert among them) later.
    let (first, rest) = lines.split_at(3);
    let dir = tempfile::tempdir().unwrap();
    let eve = dir.path().join("eve.json");
    std::fs::write(&eve, format!("{}\n", first.join("\n"))).unwrap();
    let (ok, one, err) = ingest_eve(dir.path(), &eve, &[]);
    assert!(ok, "{err}");
    assert!(one.contains("3 lines, 2 records, 1 detections"), "{one}");
    let mut f = std::fs::OpenOptions::new().append(true).open(&eve).unwrap();
    std::io::Write::write_all(&mut f, format!("{}\n", rest.join("\n")).as_bytes()).unwrap();
    drop(f);
    let (ok, two, err) = ingest_eve(dir.path(), &eve, &[]);
    assert!(ok, "{err}");
    assert!(two.contains("8 lines, 3 records, 1 detections"), "{two}");
    assert_same(&contents(dir.path()), &want, "EVE file that grew");

    // `--follow` started again on the whole file continues from the mark.
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirewatch"))
        .args(["ingest", "--data-dir"])
        .arg(dir.path())
        .arg("--eve")
        .arg(&eve)
        .arg("--follow")
        .env("WIREWATCH_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let _ = child.kill();
    let _ = child.wait();
    assert_same(&contents(dir.path()), &want, "EVE --follow restarted");
}

/// An EVE file of `copies` × (http, flow) from the fixture, each pair on its
/// own flow id, and an alert every 1,000 pairs.
fn big_eve(dir: &Path, copies: usize) -> PathBuf {
    let text = std::fs::read_to_string(eve_fixture()).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .take(3)
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut out = String::new();
    for i in 0..copies {
        let pick: &[usize] = if i % 1000 == 0 { &[0, 1, 2] } else { &[1, 2] };
        for &k in pick {
            let mut v = lines[k].clone();
            v["flow_id"] = json!(1_000_000 + i);
            out.push_str(&v.to_string());
            out.push('\n');
        }
    }
    let path = dir.join("big-eve.json");
    std::fs::write(&path, out).unwrap();
    path
}

#[test]
fn an_eve_run_killed_midway_resumes_without_storing_twice() {
    let work = tempfile::tempdir().unwrap();
    let big = big_eve(work.path(), 12_000);
    let clean = work.path().join("clean");
    let (ok, text, err) = ingest_eve(&clean, &big, &[]);
    assert!(ok, "{err}");
    assert!(text.contains("24000 records, 12 detections"), "{text}");
    let want = contents(&clean);

    let dir = work.path().join("killed");
    let server = Server::start_on(&dir);
    let mut child = Command::new(env!("CARGO_BIN_EXE_wirewatch"))
        .args(["ingest", "--quiet", "--data-dir"])
        .arg(&dir)
        .arg("--eve")
        .arg(&big)
        .env("WIREWATCH_LOG", "warn")
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let total = |s: &Server| {
        s.post(
            "/api/v1/records/search",
            json!({"until": ALL_UNTIL, "limit": 1}),
        )
        .body["total"]
            .as_u64()
            .unwrap_or(0)
    };
    let mut seen = 0;
    for _ in 0..2000 {
        seen = total(&server);
        if seen > 0 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(!status.success(), "the run ended before it was killed");
    let partial = total(&server);
    drop(server);
    assert!(
        seen > 0 && partial < 24_000,
        "killed midway: {partial} of 24000 records stored"
    );
    let (ok, text, err) = ingest_eve(&dir, &big, &[]);
    assert!(ok, "{err}");
    assert_same(&contents(&dir), &want, "EVE killed, then rerun");
    assert!(text.contains("already stored up to byte"), "{text}");
}
