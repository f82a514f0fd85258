//! Threat collections (`/threatcollections`): lists of observables (IP
//! addresses, CIDR blocks, host names, URIs) loaded from STIX files, and the
//! mark a record carries when its traffic matches one of them.
//!
//! Parsing STIX and matching traffic are `wirewatch-threat`'s; these are the
//! shapes the store keeps and the API answers.

use serde::{Deserialize, Serialize};

/// What an observable is. The wire names are the ones
/// `GET /threatcollections/{id}/observables` counts by.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ObservableKind {
    /// One IPv4 or IPv6 address.
    Ipaddr,
    /// A CIDR block (IPv4 or IPv6).
    Cidr,
    /// A host or domain name (also matches its subdomains).
    Hostname,
    /// A URL or URI, kept without its scheme: `host[:port]/path[?query]`.
    Uri,
    /// A STIX 2 `LIKE` or `MATCHES` comparison, kept as `<target> <LIKE|MATCHES>
    /// <operand>` (target `hostname`, `uri` or `ipaddr`; see
    /// `wirewatch_threat::patterns`).
    Pattern,
}

impl ObservableKind {
    pub const ALL: [ObservableKind; 5] = [
        ObservableKind::Ipaddr,
        ObservableKind::Cidr,
        ObservableKind::Hostname,
        ObservableKind::Uri,
        ObservableKind::Pattern,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ObservableKind::Ipaddr => "ipaddr",
            ObservableKind::Cidr => "cidr",
            ObservableKind::Hostname => "hostname",
            ObservableKind::Uri => "uri",
            ObservableKind::Pattern => "pattern",
        }
    }

    pub fn parse(s: &str) -> Option<ObservableKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One observable, normalised (see `wirewatch_threat::normalize`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Observable {
    pub kind: ObservableKind,
    pub value: String,
}

/// The number of observables of a collection, by type
/// (`GET /threatcollections/{id}/observables`).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
pub struct ObservableCounts {
    /// Single IP addresses.
    pub ipaddr: u64,
    /// CIDR blocks.
    pub cidr: u64,
    /// Host and domain names.
    pub hostname: u64,
    /// URLs and URIs.
    pub uri: u64,
    /// STIX 2 `LIKE`/`MATCHES` comparisons on host names, URLs and addresses.
    #[serde(default)]
    pub pattern: u64,
}

impl ObservableCounts {
    pub fn total(&self) -> u64 {
        self.ipaddr + self.cidr + self.hostname + self.uri + self.pattern
    }

    pub fn add(&mut self, kind: ObservableKind, n: u64) {
        match kind {
            ObservableKind::Ipaddr => self.ipaddr += n,
            ObservableKind::Cidr => self.cidr += n,
            ObservableKind::Hostname => self.hostname += n,
            ObservableKind::Uri => self.uri += n,
            ObservableKind::Pattern => self.pattern += n,
        }
    }

    pub fn of(list: &[Observable]) -> ObservableCounts {
        let mut c = ObservableCounts::default();
        for o in list {
            c.add(o.kind, 1);
        }
        c
    }
}

/// What the back-search of a collection's upload did: the records stored
/// before the upload (within retention) searched for its observables.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BackSearch {
    /// `running`, `done` or `failed`.
    pub state: String,
    /// Records read.
    pub records_scanned: u64,
    /// Records that matched an observable of the collection (marked with
    /// `threat`).
    pub records_matched: u64,
    /// Detections raised.
    pub detections: u64,
    /// True when it stopped at its bound (records read or matches) before
    /// the oldest stored record.
    pub truncated: bool,
    /// Why it failed (`failed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// The job that loads the collection and runs its back-search
    /// (`GET /jobs/{id}`; jobs are forgotten at a restart).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
}

/// A threat collection as the API answers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ThreatCollection {
    /// The collection's id.
    pub id: u64,
    /// When it was last uploaded (ms).
    pub last_updated: i64,
    /// The name.
    pub name: String,
    /// The number of observables loaded from its file.
    pub observables: u64,
    /// The user-supplied identifier (`PUT /threatcollections/~{user_key}`).
    pub user_key: String,
    /// wirewatch extension: the name of the uploaded file.
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub filename: Option<String>,
    /// wirewatch extension: the observables by type.
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub observable_counts: ObservableCounts,
    /// wirewatch extension: what the search of the records stored before
    /// the upload found.
    #[schemars(extend("x-wirewatch-extension" = true))]
    pub backsearch: Option<BackSearch>,
}

impl ThreatCollection {
    /// The example of the API's documentation.
    pub fn example() -> ThreatCollection {
        ThreatCollection {
            id: 1,
            last_updated: 1_700_000_000_000,
            name: "Emerging botnets".into(),
            observables: 3,
            user_key: "Emergingbotnets".into(),
            filename: Some("botnets.tgz".into()),
            observable_counts: ObservableCounts {
                ipaddr: 1,
                cidr: 0,
                hostname: 1,
                uri: 1,
                pattern: 0,
            },
            backsearch: None,
        }
    }
}

/// The user key the product derives from a name when none is given: the
/// name without spaces or punctuation.
pub fn user_key_from_name(name: &str) -> String {
    name.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// The longest name and user key.
pub const MAX_NAME: usize = 256;

/// A match of a record's traffic against an observable: stored in the
/// record as an element of its `threat` field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct ThreatMatch {
    /// The collection's id.
    pub collection_id: u64,
    /// The collection's user key.
    pub collection: String,
    /// The observable, as the collection holds it (normalised).
    pub observable: String,
    /// The observable's type.
    #[serde(rename = "type")]
    pub kind: ObservableKind,
    /// The record field that matched (`serverAddr`, `qname`, `answers`,
    /// `host`, `uri`…).
    pub field: String,
    /// What the field held (a subdomain of a host name observable, an
    /// address inside a CIDR block).
    pub value: String,
}

/// The record field the matches are stored in.
pub const RECORD_FIELD: &str = "threat";
