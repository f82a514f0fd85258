//! `/packets/search`: the packets the sensor kept (`wirewatch_packets`), as
//! a pcap or pcapng file streamed while the search runs, or (`output:
//! extract`) the files carried in them, as a zip made once the search ends.
//!
//! Parameters arrive three ways, all read here: `GET` with a query string,
//! `POST` with a JSON body, and `GET` with a JSON body and no query string
//! (XSOAR). Query parameters override body fields of the same name; a JSON
//! `null` is an absent parameter. Types are loose as real clients send them:
//! ports, sizes and durations as numbers or strings, booleans as `true` or
//! `"true"`.

use crate::auth::Caller;
use crate::error::{ApiError, ApiResult};
use crate::extract::OptionalJson;
use crate::guard::{Api, Guard, Packets};
use crate::AppState;
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use std::net::IpAddr;
use std::time::{Duration, Instant};
use wirewatch_model::time::{time_schema, time_text, TimeSpec};
use wirewatch_model::user::PacketsRole;
use wirewatch_model::{Code, Error};
use wirewatch_packets::bpf::{self, Dir, Expr, Prim};
use wirewatch_packets::extract::{archive, Extractor, Limits};
use wirewatch_packets::libpcap::LibpcapError;
use wirewatch_packets::output::{Encoder, Format};

/// Default `limit_bytes`: 100 MB (10^8 bytes), as an ExtraHop appliance.
pub const DEFAULT_LIMIT_BYTES: u64 = 100_000_000;
/// Largest `limit_bytes`: 10 GB (10^10 bytes).
pub const MAX_LIMIT_BYTES: u64 = 10_000_000_000;
/// Default `limit_search_duration` (also what `0` means): 5 minutes.
pub const DEFAULT_DURATION_MS: i64 = 300_000;
/// Longest `limit_search_duration`: one hour.
pub const MAX_DURATION_MS: i64 = 3_600_000;
/// Largest `limit_bytes` with `output: extract` (also its default): 100 MB,
/// the appliance's default maximum for extraction.
pub const EXTRACT_MAX_LIMIT_BYTES: u64 = 100_000_000;
/// Longest `limit_search_duration` with `output: extract`: 5 minutes.
pub const EXTRACT_MAX_DURATION_MS: i64 = 300_000;
/// Extractions running at once (each holds up to `limit_bytes` of streams
/// and its zip in memory); more wait (at most [`QUEUE_WAIT`]), then 429.
pub const MAX_EXTRACTS: usize = 1;
static EXTRACTS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_EXTRACTS);
/// Bytes of each packet a `slices_only` caller gets.
pub const SLICE: u32 = 64;
/// Packet searches running at once; more wait (at most [`QUEUE_WAIT`]).
pub const MAX_SEARCHES: usize = 4;
/// Longest a search waits for a free slot before a 429.
pub const QUEUE_WAIT: Duration = Duration::from_secs(30);
static SEARCHES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(MAX_SEARCHES);
/// Bytes gathered before a chunk of the answer is sent (the first packet is
/// sent at once: the time to first byte is the time to the first match).
const CHUNK: usize = 64 * 1024;

pub fn routes() -> Api {
    Api::new()
        .get("/packets/search", search)
        .post("/packets/search", search)
}

/// A number or a string (`80` or `"80"`, `10000000` or `"10MB"`).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum NumberOrText {
    Number(u64),
    Text(String),
}

/// A boolean or its string (`true`, `"true"`, `"False"`).
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Flag {
    Bool(bool),
    Text(String),
}

/// The parameters of a packet search (the same names in the query string
/// and in a JSON body; `null` is an absent parameter).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "PacketSearch")]
pub struct PacketSearch {
    /// Required. The earliest packet time: milliseconds since the epoch,
    /// `0` for now, negative or with a unit relative to now (`"-30m"`).
    #[serde(default)]
    #[schemars(schema_with = "time_schema", transform = time_text)]
    pub from: Option<TimeSpec>,
    /// The latest packet time (default and `0`: now).
    #[serde(default)]
    #[schemars(schema_with = "time_schema", transform = time_text)]
    pub until: Option<TimeSpec>,
    /// A BPF filter of wirewatch's subset: `host`, `src`/`dst host`, `net`,
    /// `port`, `src`/`dst port`, `portrange`, `ip`, `ip6`, `arp`, `tcp`, `udp`,
    /// `icmp`, `icmp6`, `and`/`or`/`not`, parentheses (at most 4096
    /// characters); anything else is a 400.
    #[serde(default)]
    #[schemars(length(max = 4096))]
    pub bpf: Option<String>,
    /// Packets to or from this IP address.
    #[serde(default)]
    pub ip1: Option<String>,
    /// Packets from or to this TCP/UDP port (number or string).
    #[serde(default)]
    pub port1: Option<NumberOrText>,
    /// Packets to or from this IP address too.
    #[serde(default)]
    pub ip2: Option<String>,
    /// Packets from or to this TCP/UDP port too.
    #[serde(default)]
    pub port2: Option<NumberOrText>,
    /// Approximate most bytes of packets returned: bytes, or a number with a
    /// unit, `KB`, `MB`, `GB` (powers of 1000) or `KiB`, `MiB`, `GiB` (powers
    /// of 1024). Default and `0`: `"100MB"`; at most `"10GB"`.
    #[serde(default)]
    pub limit_bytes: Option<NumberOrText>,
    /// Approximate longest search: milliseconds, or a number with a unit
    /// (`"5m"`, `"30s"`). Default and `0`: 5 minutes; at most one hour.
    #[serde(default)]
    pub limit_search_duration: Option<NumberOrText>,
    /// With no matching packet: `true` answers 200 with a file of no packets,
    /// `false` (default) answers 204.
    #[serde(default)]
    pub always_return_body: Option<Flag>,
    /// `pcap` (default), `pcapng`, `extract` (the files carried in HTTP,
    /// FTP and SMTP transfers in the matched packets, as a zip with a
    /// manifest; needs `ndr: full` and whole packets, so not `packets:
    /// slices_only`; `limit_bytes` at most `"100MB"`, `limit_search_duration`
    /// at most 5 minutes); `keylog_txt` (the key log of the TLS sessions
    /// in the matched packets) and `zip` (pcap + key log) need `packets:
    /// full_with_keys`.
    #[serde(default)]
    #[schemars(extend("enum" = ["pcap", "pcapng", "keylog_txt", "zip", "extract"]))]
    pub output: Option<String>,
    /// With `output: pcapng`, embed TLS session secrets (needs
    /// `packets: full_with_keys`; answered 501: not supported, use `zip`).
    #[serde(default)]
    pub include_secrets: Option<Flag>,
    /// With `output: extract`, decrypt the files of encrypted sessions: the
    /// extraction does not decrypt TLS, so none are (the manifest says so);
    /// the cleartext transfers are returned as without it.
    #[serde(default)]
    pub decrypt_files: Option<Flag>,
}

impl PacketSearch {
    /// `self`'s fields, overridden by those `over` has.
    fn overridden_by(self, over: PacketSearch) -> PacketSearch {
        PacketSearch {
            from: over.from.or(self.from),
            until: over.until.or(self.until),
            bpf: over.bpf.or(self.bpf),
            ip1: over.ip1.or(self.ip1),
            port1: over.port1.or(self.port1),
            ip2: over.ip2.or(self.ip2),
            port2: over.port2.or(self.port2),
            limit_bytes: over.limit_bytes.or(self.limit_bytes),
            limit_search_duration: over.limit_search_duration.or(self.limit_search_duration),
            always_return_body: over.always_return_body.or(self.always_return_body),
            output: over.output.or(self.output),
            include_secrets: over.include_secrets.or(self.include_secrets),
            decrypt_files: over.decrypt_files.or(self.decrypt_files),
        }
    }
}

/// What a search answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Output {
    /// The packets, in this file format.
    Packets(Format),
    /// The files carried in them, as a zip.
    Extract,
    /// The key log of their TLS sessions (`keylog_txt`).
    Keylog,
    /// The packets (pcap) and that key log, as a zip (`zip`).
    Zip,
}

/// A search as checked: what to run and how to answer.
#[derive(Debug)]
pub struct Plan {
    pub query: wirewatch_packets::Query,
    pub from_ms: i64,
    pub until_ms: i64,
    pub output: Output,
    pub always_return_body: bool,
    /// `decrypt_files` was asked for (extract).
    pub decrypt_files: bool,
}

fn flag(field: &str, f: &Option<Flag>) -> ApiResult<bool> {
    match f {
        None => Ok(false),
        Some(Flag::Bool(b)) => Ok(*b),
        Some(Flag::Text(t)) => match t.trim().to_ascii_lowercase().as_str() {
            "true" | "1" => Ok(true),
            "false" | "0" | "" => Ok(false),
            _ => Err(ApiError::invalid(
                field,
                format!("\"{t}\" is not true or false"),
            )),
        },
    }
}

fn text(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

fn port(field: &str, v: &Option<NumberOrText>) -> ApiResult<Option<u16>> {
    let bad =
        |shown: String| ApiError::invalid(field, format!("{shown} is not a port (0 to 65535)"));
    match v {
        None => Ok(None),
        Some(NumberOrText::Number(n)) => {
            u16::try_from(*n).map(Some).map_err(|_| bad(n.to_string()))
        }
        Some(NumberOrText::Text(t)) if t.trim().is_empty() => Ok(None),
        Some(NumberOrText::Text(t)) => t
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| bad(format!("\"{t}\""))),
    }
}

fn addr(field: &str, v: &Option<String>) -> ApiResult<Option<IpAddr>> {
    text(v)
        .map(|t| {
            t.parse()
                .map_err(|_| ApiError::invalid(field, format!("\"{t}\" is not an IP address")))
        })
        .transpose()
}

fn limit_bytes(v: &Option<NumberOrText>) -> ApiResult<u64> {
    let n = match v {
        None => 0,
        Some(NumberOrText::Number(n)) => *n,
        Some(NumberOrText::Text(t)) => wirewatch_packets::units::parse_bytes(t)
            .map_err(|e| ApiError::invalid("limit_bytes", e.to_string()))?,
    };
    if n > MAX_LIMIT_BYTES {
        return Err(ApiError::invalid(
            "limit_bytes",
            format!("must be at most {MAX_LIMIT_BYTES} bytes (10GB)"),
        ));
    }
    Ok(if n == 0 { DEFAULT_LIMIT_BYTES } else { n })
}

fn duration_ms(v: &Option<NumberOrText>) -> ApiResult<i64> {
    let field = "limit_search_duration";
    let ms = match v {
        None => 0,
        Some(NumberOrText::Number(n)) => i64::try_from(*n).unwrap_or(i64::MAX),
        Some(NumberOrText::Text(t)) if t.trim().is_empty() => 0,
        Some(NumberOrText::Text(t)) => {
            let t = t.trim();
            if t.starts_with('-') {
                return Err(ApiError::invalid(
                    field,
                    format!("\"{t}\" is not a positive duration"),
                ));
            }
            TimeSpec::Text(format!("-{t}"))
                .resolve(0)
                .map_err(|e| ApiError::invalid(field, e.to_string()))?
                .saturating_neg()
        }
    };
    if ms > MAX_DURATION_MS {
        return Err(ApiError::invalid(
            field,
            format!("must be at most {MAX_DURATION_MS} ms (one hour)"),
        ));
    }
    Ok(if ms == 0 { DEFAULT_DURATION_MS } else { ms })
}

fn time(field: &str, v: &TimeSpec, now: i64) -> ApiResult<i64> {
    v.resolve(now)
        .map_err(|e| ApiError::invalid(field, e.to_string()))
}

fn either_side_host(a: IpAddr) -> Expr {
    Expr::Prim(Prim::Host(Dir::SrcOrDst, a))
}

fn either_side_port(p: u16) -> Expr {
    Expr::Prim(Prim::Port(Dir::SrcOrDst, None, p, p))
}

/// Check the parameters (a 400 names the first wrong one) and the
/// privileges an output needs (403), and say what is not available (501).
pub fn plan(p: &PacketSearch, caller: &Caller, role: PacketsRole, now_ms: i64) -> ApiResult<Plan> {
    let from = p
        .from
        .as_ref()
        .ok_or_else(|| ApiError::invalid("from", "is required"))?;
    let from_ms = time("from", from, now_ms)?;
    let until_ms = match &p.until {
        Some(u) => time("until", u, now_ms)?,
        None => now_ms,
    };
    if until_ms < from_ms {
        return Err(ApiError::invalid("until", "must not be before from"));
    }
    let mut parts = Vec::new();
    let mut libpcap = None;
    if let Some(f) = text(&p.bpf) {
        match bpf::parse(f) {
            Ok(e) => parts.push(e),
            // Bounds hold whatever evaluates the filter.
            Err(e) if e.is_bound() => {
                return Err(ApiError::invalid("bpf", format!("the filter {e}")))
            }
            // Outside the subset: libpcap's, when the build has it.
            Err(e) => {
                libpcap = Some(wirewatch_packets::libpcap::Filter::compile(f).map_err(|l| {
                    ApiError::invalid(
                        "bpf",
                        match l {
                            LibpcapError::Unavailable => format!("the filter {e}; {l}"),
                            LibpcapError::Compile(_) => l.to_string(),
                        },
                    )
                })?);
            }
        }
    }
    for (field, v) in [("ip1", &p.ip1), ("ip2", &p.ip2)] {
        if let Some(a) = addr(field, v)? {
            parts.push(either_side_host(a));
        }
    }
    for (field, v) in [("port1", &p.port1), ("port2", &p.port2)] {
        if let Some(n) = port(field, v)? {
            parts.push(either_side_port(n));
        }
    }
    let limit_bytes = limit_bytes(&p.limit_bytes)?;
    let duration = duration_ms(&p.limit_search_duration)?;
    let always_return_body = flag("always_return_body", &p.always_return_body)?;
    let include_secrets = flag("include_secrets", &p.include_secrets)?;
    let decrypt_files = flag("decrypt_files", &p.decrypt_files)?;
    let output = text(&p.output).unwrap_or("pcap").to_ascii_lowercase();
    let keys = |what: &str| -> ApiResult<()> {
        if role != PacketsRole::FullWithKeys {
            return Err(ApiError::forbidden(format!(
                "{what} needs packet and session key access (\"packets\": \"full_with_keys\")"
            )));
        }
        Ok(())
    };
    let out = match output.as_str() {
        "pcap" => Output::Packets(Format::Pcap),
        "pcapng" => Output::Packets(Format::Pcapng),
        "keylog_txt" => {
            keys("output keylog_txt")?;
            Output::Keylog
        }
        "zip" => {
            keys("output zip")?;
            // The pcap is made whole in memory before it is zipped.
            if limit_bytes > EXTRACT_MAX_LIMIT_BYTES {
                return Err(ApiError::invalid(
                    "limit_bytes",
                    format!(
                        "must be at most {EXTRACT_MAX_LIMIT_BYTES} bytes (100MB) with output zip"
                    ),
                ));
            }
            Output::Zip
        }
        "extract" => {
            if !caller.has_ndr() {
                return Err(ApiError::forbidden(
                    "output extract needs NDR module access (\"ndr\": \"full\")",
                ));
            }
            // Files are whole payloads: 64-byte slices cannot carry them,
            // and carving them would disclose what the privilege withholds.
            if role == PacketsRole::SlicesOnly {
                return Err(ApiError::forbidden(
                    "output extract needs whole packets (\"packets\": \"full\" or \"full_with_keys\"); \"slices_only\" gives the first 64 bytes of each packet",
                ));
            }
            if limit_bytes > EXTRACT_MAX_LIMIT_BYTES {
                return Err(ApiError::invalid(
                    "limit_bytes",
                    format!("must be at most {EXTRACT_MAX_LIMIT_BYTES} bytes (100MB) with output extract"),
                ));
            }
            if duration > EXTRACT_MAX_DURATION_MS {
                return Err(ApiError::invalid(
                    "limit_search_duration",
                    format!("must be at most {EXTRACT_MAX_DURATION_MS} ms (5 minutes) with output extract"),
                ));
            }
            Output::Extract
        }
        other => {
            return Err(ApiError::invalid(
                "output",
                format!("\"{other}\" is not one of pcap, pcapng, keylog_txt, zip, extract"),
            ))
        }
    };
    if include_secrets {
        if out != Output::Packets(Format::Pcapng) {
            return Err(ApiError::invalid(
                "include_secrets",
                "is only for output pcapng",
            ));
        }
        keys("include_secrets")?;
        return Err(ApiError(Error::new(
            Code::NotApplicable,
            "include_secrets: secrets are not embedded in pcapng files (no Decryption Secrets Block); output zip gives the packets with their key log, keylog_txt the key log alone",
        )));
    }
    let filter = parts
        .into_iter()
        .reduce(|a, b| Expr::And(Box::new(a), Box::new(b)));
    Ok(Plan {
        query: wirewatch_packets::Query {
            from_ns: from_ms.saturating_mul(1_000_000),
            // The whole last millisecond.
            until_ns: until_ms.saturating_mul(1_000_000).saturating_add(999_999),
            filter,
            libpcap,
            limit_bytes,
            deadline: Some(Instant::now() + Duration::from_millis(duration as u64)),
        },
        from_ms,
        until_ms,
        output: out,
        always_return_body,
        decrypt_files,
    })
}

/// The parameters of a query string (`?from=-30m&port1=80`).
fn from_query(q: &str) -> ApiResult<PacketSearch> {
    let map: serde_json::Map<String, serde_json::Value> = form_urlencoded::parse(q.as_bytes())
        .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
        .collect();
    serde_path_to_error::deserialize(serde_json::Value::Object(map)).map_err(|e| {
        let path = e.path().to_string();
        ApiError::invalid(
            if path == "." { "query".into() } else { path },
            e.into_inner().to_string(),
        )
    })
}

/// `wirewatch 2026-12-06 19.42.45 to 2026-12-06 20.42.45 UTC.pcap`
pub fn filename(from_ms: i64, until_ms: i64, output: Output) -> String {
    let t = |ms: i64| {
        let iso = wirewatch_model::time::format_iso(ms);
        format!("{} {}", &iso[..10], iso[11..19].replace(':', "."))
    };
    let ext = match output {
        Output::Packets(Format::Pcap) => "pcap",
        Output::Packets(Format::Pcapng) => "pcapng",
        Output::Extract | Output::Zip => "zip",
        Output::Keylog => "txt",
    };
    format!("wirewatch {} to {} UTC.{ext}", t(from_ms), t(until_ms))
}

fn content_type(output: Output) -> &'static str {
    match output {
        Output::Packets(Format::Pcap) => "application/vnd.tcpdump.pcap",
        Output::Packets(Format::Pcapng) => "application/x-pcapng",
        Output::Extract | Output::Zip => "application/zip",
        Output::Keylog => "text/plain; charset=utf-8",
    }
}

fn file_response(plan: &Plan, body: Body) -> Response {
    let mut resp = (StatusCode::OK, body).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(content_type(plan.output)),
    );
    let disposition = format!(
        "attachment; filename=\"{}\"",
        filename(plan.from_ms, plan.until_ms, plan.output)
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    resp
}

async fn search(
    guard: Guard<Packets>,
    State(s): State<AppState>,
    RawQuery(query): RawQuery,
    OptionalJson(body): OptionalJson<PacketSearch>,
) -> ApiResult<Response> {
    let role = guard.require_packets()?;
    let params = match query.as_deref().filter(|q| !q.is_empty()) {
        Some(q) => body.overridden_by(from_query(q)?),
        None => body,
    };
    // Off the async workers: libpcap resolves host names when it compiles
    // a filter outside the subset.
    let caller = (*guard).clone();
    let plan = tokio::task::spawn_blocking(move || {
        plan(&params, &caller, role, wirewatch_model::now_ms())
    })
    .await
    .map_err(|e| ApiError(Error::new(Code::Internal, format!("packet search: {e}"))))??;
    let Some(dir) = s.packets.clone() else {
        return Err(ApiError(Error::new(
            Code::NotApplicable,
            "the packet store is turned off on this sensor (serve --packets-max-bytes 0)",
        )));
    };
    let slice = (role == PacketsRole::SlicesOnly).then_some(SLICE);
    let format = match plan.output {
        Output::Packets(f) => f,
        Output::Extract => return extract(dir, plan).await,
        Output::Keylog | Output::Zip => return with_keys(s, dir, plan).await,
    };
    let permit = slot(&SEARCHES, "packet searches", MAX_SEARCHES).await?;
    let (tx, mut rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    let query = plan.query.clone();
    tokio::task::spawn_blocking(move || {
        // Held until the search ends (the client may have gone before).
        let _permit = permit;
        let mut enc = Encoder::new(format, slice);
        let mut buf = Vec::with_capacity(CHUNK + 4096);
        let mut sent_first = false;
        let result = wirewatch_packets::search::search(&dir, &query, |linktype, r| {
            enc.packet(linktype, &r, &mut buf);
            if !sent_first || buf.len() >= CHUNK {
                sent_first = true;
                let chunk = Bytes::from(std::mem::replace(
                    &mut buf,
                    Vec::with_capacity(CHUNK + 4096),
                ));
                return tx.blocking_send(Ok(chunk)).is_ok();
            }
            true
        });
        match result {
            Ok(st) => {
                if !buf.is_empty() {
                    let _ = tx.blocking_send(Ok(Bytes::from(buf)));
                }
                tracing::debug!(packets = st.packets, bytes = st.bytes, blocks_read = st.blocks_read,
                    blocks_skipped = st.blocks_skipped, stop = ?st.stop, omitted = enc.omitted, "packet search");
            }
            Err(e) => {
                tracing::error!(error = %e, "packet search");
                let _ = tx.blocking_send(Err(std::io::Error::other(e.to_string())));
            }
        }
    });
    let first = match rx.recv().await {
        Some(Ok(chunk)) => chunk,
        Some(Err(e)) => {
            return Err(ApiError(Error::new(
                Code::Internal,
                format!("packet search: {e}"),
            )));
        }
        None if plan.always_return_body => {
            let empty = Encoder::new(format, slice).empty();
            return Ok(file_response(&plan, Body::from(empty)));
        }
        None => return Ok(StatusCode::NO_CONTENT.into_response()),
    };
    let rest = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    });
    let stream = futures_util::StreamExt::chain(futures_util::stream::iter([Ok(first)]), rest);
    Ok(file_response(&plan, Body::from_stream(stream)))
}

/// `output: keylog_txt` / `zip`: the search, then the key log of its TLS
/// sessions (and its packets); 204 when no session key is known (unless
/// `always_return_body`).
async fn with_keys(s: AppState, dir: std::path::PathBuf, plan: Plan) -> ApiResult<Response> {
    let one = if plan.output == Output::Zip {
        Some(slot(&EXTRACTS, "packet zips", MAX_EXTRACTS).await?)
    } else {
        None
    };
    let permit = slot(&SEARCHES, "packet searches", MAX_SEARCHES).await?;
    let (query, zip) = (plan.query.clone(), plan.output == Output::Zip);
    let found = tokio::task::spawn_blocking(move || {
        let _permits = (one, permit);
        keys::search(&s, &dir, &query, zip)
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r)
    .map_err(|e| {
        tracing::error!(error = %e, "packet search with keys");
        ApiError(Error::new(Code::Internal, format!("packet search: {e}")))
    })?;
    tracing::debug!(
        packets = found.packets,
        keylog_bytes = found.keylog.len(),
        "packet search with keys"
    );
    if found.keylog.is_empty() && !plan.always_return_body {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    let body = match plan.output {
        Output::Zip => keys::zip(&found)?,
        _ => found.keylog.into_bytes(),
    };
    Ok(file_response(&plan, Body::from(body)))
}

/// A slot of `sem`, waiting at most [`QUEUE_WAIT`] (then 429).
async fn slot(
    sem: &'static tokio::sync::Semaphore,
    what: &str,
    max: usize,
) -> ApiResult<tokio::sync::SemaphorePermit<'static>> {
    match tokio::time::timeout(QUEUE_WAIT, sem.acquire()).await {
        Ok(Ok(p)) => Ok(p),
        _ => Err(ApiError(Error::new(
            Code::TooManyRequests,
            format!("{max} {what} are running; retry later"),
        ))),
    }
}

/// `output: extract`: run the search into an [`Extractor`], answer its
/// zip (204 when no file was found, unless `always_return_body`).
async fn extract(dir: std::path::PathBuf, plan: Plan) -> ApiResult<Response> {
    let one = slot(&EXTRACTS, "file extractions", MAX_EXTRACTS).await?;
    let permit = slot(&SEARCHES, "packet searches", MAX_SEARCHES).await?;
    let query = plan.query.clone();
    let (decrypt, always) = (plan.decrypt_files, plan.always_return_body);
    let made = tokio::task::spawn_blocking(move || {
        let _permits = (one, permit);
        let mut x = Extractor::new(Limits::default());
        let st = wirewatch_packets::search::search(&dir, &query, |linktype, r| {
            x.packet(linktype, r.ts_ns, r.data);
            true
        })
        .map_err(|e| e.to_string())?;
        let mut ex = x.finish();
        match st.stop {
            wirewatch_packets::Stop::LimitBytes => ex.notes.push(format!(
                "the search stopped at limit_bytes ({} bytes of packets read): later packets were not searched",
                st.bytes
            )),
            wirewatch_packets::Stop::Deadline => ex.notes.push(
                "the search stopped at limit_search_duration: later packets were not searched".into(),
            ),
            _ => {}
        }
        if decrypt {
            ex.notes.push("decrypt_files: file extraction does not decrypt TLS; transfers inside encrypted sessions were not decrypted and are not in this zip (output keylog_txt gives their session keys)".into());
        }
        tracing::debug!(packets = st.packets, bytes = st.bytes, stop = ?st.stop,
            connections = ex.connections, files = ex.files.len(), notes = ex.notes.len(), "packet extraction");
        if ex.files.is_empty() && !always {
            return Ok(None);
        }
        archive::write(&ex).map(|(zip, _)| Some(zip)).map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    match made {
        Ok(Some(zip)) => Ok(file_response(&plan, Body::from(zip))),
        Ok(None) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(e) => {
            tracing::error!(error = %e, "packet extraction");
            Err(ApiError(Error::new(
                Code::Internal,
                format!("packet extraction: {e}"),
            )))
        }
    }
}

mod keys;
#[cfg(test)]
mod tests;
