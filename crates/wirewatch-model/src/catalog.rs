//! The built-in detection formats: every type wirewatch raises, with display
//! name, categories, MITRE techniques and the schema of its properties.

use crate::detection::is_technique_id;
use crate::Error;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The types a detection property's value may have.
pub const DATA_TYPES: [&str; 5] = ["string", "number", "boolean", "string_list", "ipaddr"];

/// The `data_type` of a property schema.
fn data_type(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "enum": DATA_TYPES})
}

/// The schema of one detection property.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PropertySchema {
    /// Whether detections may lack it.
    pub is_optional: bool,
    /// `active`.
    pub status: String,
    /// Whether a tuning rule may filter on it.
    pub is_tunable: bool,
    /// The value's type.
    #[schemars(schema_with = "data_type")]
    pub data_type: String,
}

/// A detection format: a detection type with its display name, categories,
/// MITRE techniques and properties.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(example = DetectionFormat::example())]
pub struct DetectionFormat {
    /// The detection type (letters, digits and `_`).
    #[serde(rename = "type")]
    pub kind: String,
    /// The name shown to users.
    pub display_name: String,
    /// Who wrote the format.
    pub author: String,
    /// Categories such as `sec` or `sec.recon`.
    pub categories: Vec<String>,
    /// MITRE technique ids such as `T1046`.
    pub mitre_categories: Vec<String>,
    /// Whether it is a custom format.
    pub is_user_created: bool,
    /// When the format last changed (ms).
    pub last_updated: i64,
    /// When the format was released (ms).
    pub released: i64,
    /// `active`.
    pub status: String,
    /// The properties of detections of this type, by name.
    pub properties: BTreeMap<String, PropertySchema>,
    /// Risk score of detections of this type unless the source says otherwise.
    #[schemars(range(max = 100))]
    pub default_risk_score: u8,
    /// What the detection means.
    pub description: String,
}

impl DetectionFormat {
    /// The example of the API's documentation.
    pub fn example() -> DetectionFormat {
        let scan_type = PropertySchema {
            is_optional: false,
            status: "active".into(),
            is_tunable: true,
            data_type: "string".into(),
        };
        DetectionFormat {
            kind: "port_scan".into(),
            display_name: "Port Scan".into(),
            author: "ExtraHop".into(),
            categories: vec!["sec".into(), "sec.recon".into()],
            mitre_categories: vec!["T1046".into()],
            is_user_created: false,
            last_updated: RELEASED,
            released: RELEASED,
            status: "active".into(),
            properties: BTreeMap::from([("scan_type".to_string(), scan_type)]),
            default_risk_score: 30,
            description: "A device probed many ports on one host (vertical) or one port on many \
                          hosts (horizontal)."
                .into(),
        }
    }
}

/// 2026-11-01, the release date of the built-in catalog.
const RELEASED: i64 = 1_793_491_200_000;

struct Builtin {
    kind: &'static str,
    display_name: &'static str,
    category: &'static str,
    mitre: &'static [&'static str],
    risk: u8,
    description: &'static str,
    /// (name, data_type, tunable, optional)
    properties: &'static [(&'static str, &'static str, bool, bool)],
}

const BUILTINS: &[Builtin] = &[
    Builtin {
        kind: "port_scan",
        display_name: "Port Scan",
        category: "sec.recon",
        mitre: &["T1046"],
        risk: 30,
        description: "A device probed many ports on one host (vertical) or one port on many hosts (horizontal).",
        properties: &[
            ("scan_type", "string", true, false),
            ("ports_scanned", "number", false, false),
            ("hosts_scanned", "number", false, false),
            ("port_sample", "string_list", false, true),
        ],
    },
    Builtin {
        kind: "ssh_brute_force",
        display_name: "SSH Brute Force",
        category: "sec.attack",
        mitre: &["T1110", "T1110.001"],
        risk: 60,
        description: "A client made many failed SSH login attempts against a server.",
        properties: &[
            ("attempts", "number", false, false),
            ("failures", "number", false, false),
            ("server_port", "number", true, false),
        ],
    },
    Builtin {
        kind: "ftp_brute_force",
        display_name: "FTP Brute Force",
        category: "sec.attack",
        mitre: &["T1110", "T1110.001"],
        risk: 55,
        description: "A client made many failed FTP logins against a server.",
        properties: &[
            ("attempts", "number", false, false),
            ("failures", "number", false, false),
            ("usernames", "string_list", true, true),
        ],
    },
    Builtin {
        kind: "dns_tunnel",
        display_name: "DNS Tunnel",
        category: "sec.command",
        mitre: &["T1071.004", "T1048"],
        risk: 70,
        description: "DNS queries with long or high-entropy names, or a high TXT volume, suggest data carried over DNS.",
        properties: &[
            ("registered_domain_name", "string", true, false),
            ("query_count", "number", false, false),
            ("max_label_length", "number", false, true),
            ("entropy", "number", false, true),
            ("txt_queries", "number", false, true),
        ],
    },
    Builtin {
        kind: "suspicious_tld",
        display_name: "Suspicious Top-Level Domain",
        category: "sec.caution",
        mitre: &["T1568", "T1583.001"],
        risk: 25,
        description: "A device resolved or contacted a domain under a top-level domain often used for abuse.",
        properties: &[
            ("top_level_domain", "string", true, false),
            ("domain", "string", true, false),
        ],
    },
    Builtin {
        kind: "cleartext_credentials",
        display_name: "Cleartext Credentials",
        category: "sec.hardening",
        mitre: &["T1552", "T1040"],
        risk: 40,
        description: "Credentials crossed the network unencrypted (HTTP basic authentication, FTP).",
        properties: &[
            ("protocol", "string", true, false),
            ("username", "string", true, true),
            ("uris", "string_list", true, true),
        ],
    },
    Builtin {
        kind: "new_external_admin_connection",
        display_name: "New External Connection on an Admin Port",
        category: "sec.lateral",
        mitre: &["T1133", "T1021"],
        risk: 50,
        description: "An external address connected to an administrative service (SSH, RDP, SMB, WinRM…) for the first time.",
        properties: &[
            ("server_port", "number", true, false),
            ("protocol", "string", true, false),
        ],
    },
    Builtin {
        kind: "sqli_attack",
        display_name: "SQL Injection (SQLi) Attack",
        category: "sec.exploit",
        mitre: &["T1190"],
        risk: 75,
        description: "HTTP requests carried SQL injection patterns.",
        properties: &[
            ("uris", "string_list", true, false),
            ("payload_sample", "string", false, true),
        ],
    },
    Builtin {
        kind: "hacking_tools",
        display_name: "Hacking Tool Domain Access",
        category: "sec.caution",
        mitre: &["T1588.002"],
        risk: 45,
        description: "A device contacted a domain associated with a hacking tool.",
        properties: &[
            ("hacking_tool", "string", true, false),
            ("domain", "string", true, false),
        ],
    },
    Builtin {
        kind: "ids_alert",
        display_name: "IDS Alert",
        category: "sec.exploit",
        mitre: &[],
        risk: 50,
        description: "An intrusion detection rule (Suricata EVE input) matched traffic.",
        properties: &[
            ("signature", "string", true, false),
            ("signature_id", "number", true, false),
            ("ids_category", "string", true, true),
            ("severity", "number", true, false),
        ],
    },
    Builtin {
        kind: "threat_intel_match",
        display_name: "Threat Intelligence Match",
        category: "sec.caution",
        mitre: &["T1071", "T1568"],
        risk: 60,
        description: "Traffic matched an observable (IP address, CIDR block, host name or URL) of a threat collection: a connection, DNS query or answer, HTTP host or URL, or TLS server name.",
        properties: &[
            ("collection", "string", true, false),
            ("collection_id", "number", false, false),
            ("observable", "string", true, false),
            ("observable_type", "string", true, false),
            ("record_field", "string", true, false),
            ("record_type", "string", true, false),
            ("value", "string", true, false),
            ("back_search", "boolean", false, true),
        ],
    },
    Builtin {
        kind: "metric_threshold_alert",
        display_name: "Metric Threshold Alert",
        category: "perf.alert",
        mitre: &[],
        risk: 60,
        description: "A threshold or trend alert of severity 0 to 2 (immediate attention) fired: a device metric crossed its value, or strayed from its trend (`/alerts`).",
        properties: &[
            ("alert_id", "number", true, false),
            ("alert_name", "string", true, false),
            ("value", "number", false, false),
            ("operator", "string", false, false),
            ("operand", "string", false, false),
            ("trend", "number", false, true),
        ],
    },
];

fn builtin_format(b: &Builtin) -> DetectionFormat {
    let top = b.category.split('.').next().unwrap_or("sec");
    let properties = b
        .properties
        .iter()
        .map(|(name, data_type, tunable, optional)| {
            (
                name.to_string(),
                PropertySchema {
                    is_optional: *optional,
                    status: "active".into(),
                    is_tunable: *tunable,
                    data_type: data_type.to_string(),
                },
            )
        })
        .collect();
    DetectionFormat {
        kind: b.kind.into(),
        display_name: b.display_name.into(),
        author: "wirewatch".into(),
        categories: vec![top.to_string(), b.category.to_string()],
        mitre_categories: b.mitre.iter().map(|s| s.to_string()).collect(),
        is_user_created: false,
        last_updated: RELEASED,
        released: RELEASED,
        status: "active".into(),
        properties,
        default_risk_score: b.risk,
        description: b.description.into(),
    }
}

/// Every built-in format, in catalog order.
pub fn builtin_formats() -> Vec<DetectionFormat> {
    BUILTINS.iter().map(builtin_format).collect()
}

/// One built-in format by type.
pub fn builtin_format_by_type(kind: &str) -> Option<DetectionFormat> {
    BUILTINS.iter().find(|b| b.kind == kind).map(builtin_format)
}

/// Why a custom format's type or categories are not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("must not be empty")]
    EmptyType,
    #[error("must be at most {MAX_TYPE_LEN} characters")]
    TypeTooLong,
    #[error("may contain only letters, numbers and underscores")]
    TypeCharset,
    /// The category is neither `sec`, `perf` nor one of their sub-categories.
    #[error(
        "\"{0}\" is not a category: use \"sec\", \"perf\" or a sub-category such as \"sec.attack\""
    )]
    NotACategory(String),
    #[error("custom detection formats take exactly one category")]
    SeveralCategories,
}

/// Longest custom format type.
pub const MAX_TYPE_LEN: usize = 128;

/// Check a custom format's type: letters, digits and underscores only.
pub fn validate_type(kind: &str) -> Result<(), FormatError> {
    if kind.is_empty() {
        return Err(FormatError::EmptyType);
    }
    if kind.len() > MAX_TYPE_LEN {
        return Err(FormatError::TypeTooLong);
    }
    if !kind.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(FormatError::TypeCharset);
    }
    Ok(())
}

/// Turn a custom format's single category into the stored list, adding the
/// `sec` or `perf` top category; the error explains a bad value.
pub fn custom_categories(categories: &[String]) -> Result<Vec<String>, FormatError> {
    match categories {
        [] => Ok(vec!["sec".into()]),
        [one] => {
            let top = one.split('.').next().unwrap_or_default();
            if top != "sec" && top != "perf" {
                return Err(FormatError::NotACategory(one.clone()));
            }
            if one == top {
                Ok(vec![one.clone()])
            } else {
                Ok(vec![top.to_string(), one.clone()])
            }
        }
        _ => Err(FormatError::SeveralCategories),
    }
}

/// Body of `POST /detections/formats` (`type` and `display_name` required)
/// and `PATCH /detections/formats/{id}` (absent fields are left alone;
/// `type` cannot change).
#[derive(Debug, Clone, Default, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "DetectionFormatInput")]
pub struct FormatInput {
    /// The new detection type: 1 to 128 letters, digits or `_`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// The name shown to users.
    #[serde(default)]
    pub display_name: Option<String>,
    /// MITRE technique ids such as `T1046` or `T1110.001`.
    #[serde(default)]
    pub mitre_categories: Option<Vec<String>>,
    /// Default: the caller.
    #[serde(default)]
    pub author: Option<String>,
    /// One category: `sec`, `perf` or a sub-category such as `sec.attack`
    /// (default `sec`).
    #[serde(default)]
    #[schemars(length(max = 1))]
    pub categories: Option<Vec<String>>,
}

fn validate_mitre(ids: &[String]) -> Result<(), Error> {
    for (i, id) in ids.iter().enumerate() {
        if !is_technique_id(id) {
            return Err(Error::invalid(
                format!("mitre_categories[{i}]"),
                format!("\"{id}\" is not a MITRE technique id such as T1046 or T1110.001"),
            ));
        }
    }
    Ok(())
}

impl FormatInput {
    /// The custom format a create request describes, written by `author`
    /// unless it names one, at `now`; the error names the bad field.
    pub fn into_new_format(self, author: &str, now: i64) -> Result<DetectionFormat, Error> {
        let kind = self
            .kind
            .ok_or_else(|| Error::invalid("type", "is required"))?;
        validate_type(&kind).map_err(|m| Error::invalid("type", m.to_string()))?;
        let display_name = self
            .display_name
            .filter(|d| !d.trim().is_empty())
            .ok_or_else(|| Error::invalid("display_name", "is required"))?;
        let mitre = self.mitre_categories.unwrap_or_default();
        validate_mitre(&mitre)?;
        let categories = custom_categories(&self.categories.unwrap_or_default())
            .map_err(|m| Error::invalid("categories", m.to_string()))?;
        Ok(DetectionFormat {
            kind,
            display_name,
            author: self.author.unwrap_or_else(|| author.to_string()),
            categories,
            mitre_categories: mitre,
            is_user_created: true,
            last_updated: now,
            released: now,
            status: "active".into(),
            properties: BTreeMap::new(),
            default_risk_score: 50,
            description: String::new(),
        })
    }

    /// Apply an update request to the custom format `f` at `now`; the
    /// error names the bad field (and `f` is then not to be stored).
    pub fn apply_to(self, f: &mut DetectionFormat, now: i64) -> Result<(), Error> {
        if let Some(t) = &self.kind {
            if *t != f.kind {
                return Err(Error::invalid(
                    "type",
                    "cannot be changed; create a new format instead",
                ));
            }
        }
        if let Some(d) = self.display_name {
            if d.trim().is_empty() {
                return Err(Error::invalid("display_name", "must not be empty"));
            }
            f.display_name = d;
        }
        if let Some(m) = self.mitre_categories {
            validate_mitre(&m)?;
            f.mitre_categories = m;
        }
        if let Some(a) = self.author {
            f.author = a;
        }
        if let Some(c) = self.categories {
            f.categories =
                custom_categories(&c).map_err(|m| Error::invalid("categories", m.to_string()))?;
        }
        f.last_updated = now;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_covers_the_seed_examples() {
        for kind in [
            "dns_tunnel",
            "sqli_attack",
            "suspicious_tld",
            "hacking_tools",
        ] {
            let f = builtin_format_by_type(kind).expect(kind);
            assert!(f.categories.contains(&"sec".to_string()));
            assert!(f.properties.values().any(|p| p.is_tunable));
        }
    }

    #[test]
    fn custom_categories_add_the_top_category() {
        assert_eq!(
            custom_categories(&["sec.attack".into()]).unwrap(),
            vec!["sec", "sec.attack"]
        );
        assert_eq!(custom_categories(&[]).unwrap(), vec!["sec"]);
        assert_eq!(
            custom_categories(&["a".into(), "b".into()]),
            Err(FormatError::SeveralCategories)
        );
        assert_eq!(
            custom_categories(&["banana".into()]).unwrap_err().to_string(),
            "\"banana\" is not a category: use \"sec\", \"perf\" or a sub-category such as \"sec.attack\""
        );
    }

    #[test]
    fn format_requests_name_the_bad_field() {
        let input = |v: serde_json::Value| serde_json::from_value::<FormatInput>(v).unwrap();
        let field = |r: Result<DetectionFormat, Error>| r.unwrap_err().field.unwrap();
        assert_eq!(
            field(input(serde_json::json!({})).into_new_format("a", 0)),
            "type"
        );
        assert_eq!(
            field(input(serde_json::json!({"type": "t"})).into_new_format("a", 0)),
            "display_name"
        );
        assert_eq!(
            field(
                input(serde_json::json!({"type": "t", "display_name": "T", "mitre_categories": ["T1", "T1046"]}))
                    .into_new_format("a", 0)
            ),
            "mitre_categories[0]"
        );
        let mut f = input(
            serde_json::json!({"type": "t", "display_name": "T", "categories": ["sec.attack"]}),
        )
        .into_new_format("me", 7)
        .unwrap();
        assert_eq!((f.author.as_str(), f.last_updated), ("me", 7));
        assert_eq!(f.categories, vec!["sec", "sec.attack"]);
        let e = input(serde_json::json!({"type": "u"}))
            .apply_to(&mut f, 8)
            .unwrap_err();
        assert_eq!(
            e.message,
            "type: cannot be changed; create a new format instead"
        );
        input(serde_json::json!({"display_name": "New"}))
            .apply_to(&mut f, 9)
            .unwrap();
        assert_eq!((f.display_name.as_str(), f.last_updated), ("New", 9));
    }

    #[test]
    fn type_charset_is_enforced() {
        assert!(validate_type("my_type_2").is_ok());
        assert_eq!(validate_type("my-type"), Err(FormatError::TypeCharset));
        assert_eq!(validate_type(""), Err(FormatError::EmptyType));
        assert_eq!(
            validate_type(&"a".repeat(129)).unwrap_err().to_string(),
            "must be at most 128 characters"
        );
    }
}
