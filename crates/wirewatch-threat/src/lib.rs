//! Threat intelligence: threat collections' files read into observables
//! ([`parse`]), and the compiled [`Matcher`] the pipeline checks records
//! against.
//!
//! A file is recognised by its content, not its name: gzip (a `.tar.gz`
//! bundle, the format the product documents), a plain tar, XML (a STIX 1.x
//! package) or JSON (a STIX 2.x bundle). Limits are named constants below;
//! what breaks one is refused with the name of the file (or the member of
//! the bundle) and why.

pub mod backsearch;
pub mod detect;
pub mod live;
pub mod matcher;
pub mod normalize;
pub mod patterns;
mod stix1;
mod stix2;

pub use live::Live;
pub use matcher::{Entry, Matcher};

use std::io::Read;
use wirewatch_model::threat::Observable;

/// Largest total size of the files of a bundle, uncompressed (a gzip bomb
/// stops here).
pub const MAX_UNCOMPRESSED: u64 = 512 << 20;
/// Most members of a bundle read (directories included).
pub const MAX_MEMBERS: usize = 100_000;
/// Most distinct observables of one collection.
pub const MAX_OBSERVABLES: usize = 2_000_000;

/// A file (or a member of a bundle) that could not be read: `what` names it.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{what}: {why}")]
pub struct ParseError {
    pub what: String,
    pub why: String,
}

impl ParseError {
    pub fn new(what: &str, why: String) -> ParseError {
        ParseError {
            what: what.to_string(),
            why,
        }
    }
}

/// Observables collected from the files read so far.
#[derive(Debug, Default)]
pub struct Collected {
    list: Vec<Observable>,
    /// Values read that are no exact observable of a type matched (other
    /// conditions or categories, values that do not parse).
    pub skipped: u64,
    /// Files read (STIX packages and bundles).
    pub files: u64,
    /// Members of a bundle that are no STIX file (a README…), passed over.
    pub other_files: u64,
    /// `LIKE`/`MATCHES` patterns kept so far.
    patterns: usize,
}

impl Collected {
    /// A `LIKE`/`MATCHES` comparison of the STIX type `ty`: kept as a
    /// pattern observable when within the limits, else counted as skipped.
    fn push_pattern(&mut self, ty: &str, op: patterns::Op, operand: &str) {
        let o = patterns::Target::of_stix(ty)
            .filter(|_| self.patterns < patterns::MAX_PATTERNS_PER_COLLECTION)
            .and_then(|t| patterns::observable(t, op, operand))
            .map(|value| Observable {
                kind: patterns::KIND,
                value,
            });
        if o.is_some() {
            self.patterns += 1;
        }
        self.push(o);
    }

    fn push(&mut self, o: Option<Observable>) {
        match o {
            Some(o) => self.list.push(o),
            None => self.skipped += 1,
        }
    }

    /// The distinct observables, sorted.
    pub fn into_sorted(mut self) -> Vec<Observable> {
        self.list.sort_unstable();
        self.list.dedup();
        self.list
    }

    fn check_size(&mut self, what: &str) -> Result<(), ParseError> {
        if self.list.len() > 2 * MAX_OBSERVABLES {
            self.list.sort_unstable();
            self.list.dedup();
        }
        if self.list.len() > MAX_OBSERVABLES {
            return Err(ParseError::new(
                what,
                format!("more than {MAX_OBSERVABLES} observables in one collection"),
            ));
        }
        Ok(())
    }
}

/// What a file's content is.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Format {
    Gzip,
    Tar,
    Xml,
    Json,
}

fn sniff(b: &[u8]) -> Option<Format> {
    if b.starts_with(&[0x1f, 0x8b]) {
        return Some(Format::Gzip);
    }
    if b.len() >= 262 && &b[257..262] == b"ustar" {
        return Some(Format::Tar);
    }
    let b = b.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(b);
    match b.iter().find(|c| !c.is_ascii_whitespace()) {
        Some(b'<') => Some(Format::Xml),
        Some(b'{') => Some(Format::Json),
        _ => None,
    }
}

/// The result of reading a collection's file.
#[derive(Debug)]
pub struct Parsed {
    /// Distinct observables, sorted.
    pub observables: Vec<Observable>,
    pub skipped: u64,
    pub files: u64,
    pub other_files: u64,
}

/// Read a collection's file (`name` is its file name, for errors).
pub fn parse(name: &str, bytes: &[u8]) -> Result<Parsed, ParseError> {
    let mut c = Collected::default();
    match sniff(bytes) {
        Some(Format::Gzip) => {
            let gz = flate2::read::GzDecoder::new(bytes);
            bundle(name, gz, &mut c)?;
        }
        Some(Format::Tar) => bundle(name, bytes, &mut c)?,
        Some(f) => one(name, f, bytes, &mut c)?,
        None => {
            return Err(ParseError::new(
                name,
                "neither a .tar.gz bundle, a STIX 1.x XML package nor a STIX 2 JSON bundle".into(),
            ))
        }
    }
    if c.files == 0 {
        return Err(ParseError::new(
            name,
            "the bundle holds no STIX file".into(),
        ));
    }
    c.check_size(name)?;
    let skipped = c.skipped;
    let files = c.files;
    let other_files = c.other_files;
    Ok(Parsed {
        observables: c.into_sorted(),
        skipped,
        files,
        other_files,
    })
}

fn one(what: &str, f: Format, bytes: &[u8], c: &mut Collected) -> Result<(), ParseError> {
    match f {
        Format::Xml => {
            let text = std::str::from_utf8(bytes)
                .map_err(|e| ParseError::new(what, format!("not UTF-8 text: {e}")))?;
            stix1::parse(what, text.trim_start_matches('\u{feff}'), c)?;
        }
        Format::Json => stix2::parse(what, bytes, c)?,
        Format::Gzip | Format::Tar => {
            return Err(ParseError::new(what, "a bundle inside a bundle".into()))
        }
    }
    c.files += 1;
    c.check_size(what)
}

/// The STIX files of a tar archive (gzip already undone by `r`).
fn bundle(name: &str, r: impl Read, c: &mut Collected) -> Result<(), ParseError> {
    let mut ar = tar::Archive::new(r);
    let entries = ar
        .entries()
        .map_err(|e| ParseError::new(name, format!("not a tar archive: {e}")))?;
    let mut total = 0u64;
    for (n, entry) in entries.enumerate() {
        if n >= MAX_MEMBERS {
            return Err(ParseError::new(
                name,
                format!("more than {MAX_MEMBERS} members"),
            ));
        }
        let entry =
            entry.map_err(|e| ParseError::new(name, format!("a broken tar archive: {e}")))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let path = entry
            .path()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "?".into());
        let what = format!("{name}: {path}");
        let size = entry.header().size().unwrap_or(0);
        if total + size > MAX_UNCOMPRESSED {
            return Err(ParseError::new(
                &what,
                format!(
                    "the bundle's files exceed {} MiB uncompressed",
                    MAX_UNCOMPRESSED >> 20
                ),
            ));
        }
        let mut buf = Vec::with_capacity(size.min(64 << 20) as usize);
        entry
            .take(MAX_UNCOMPRESSED - total)
            .read_to_end(&mut buf)
            .map_err(|e| ParseError::new(&what, format!("unreadable: {e}")))?;
        total += buf.len() as u64;
        match sniff(&buf) {
            Some(f @ (Format::Xml | Format::Json)) => one(&what, f, &buf, c)?,
            _ => c.other_files += 1,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
