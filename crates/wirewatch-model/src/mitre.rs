//! The MITRE ATT&CK techniques and tactics the built-in formats refer to.

use crate::detection::MitreRef;

/// (technique id, technique name, tactic ids)
const TECHNIQUES: &[(&str, &str, &[&str])] = &[
    ("T1046", "Network Service Discovery", &["TA0007"]),
    ("T1595", "Active Scanning", &["TA0043"]),
    ("T1110", "Brute Force", &["TA0006"]),
    ("T1110.001", "Brute Force: Password Guessing", &["TA0006"]),
    ("T1071.004", "Application Layer Protocol: DNS", &["TA0011"]),
    (
        "T1048",
        "Exfiltration Over Alternative Protocol",
        &["TA0010"],
    ),
    ("T1568", "Dynamic Resolution", &["TA0011"]),
    ("T1583.001", "Acquire Infrastructure: Domains", &["TA0042"]),
    ("T1552", "Unsecured Credentials", &["TA0006"]),
    ("T1040", "Network Sniffing", &["TA0006", "TA0007"]),
    ("T1133", "External Remote Services", &["TA0001", "TA0003"]),
    ("T1021", "Remote Services", &["TA0008"]),
    ("T1190", "Exploit Public-Facing Application", &["TA0001"]),
    ("T1588.002", "Obtain Capabilities: Tool", &["TA0042"]),
    ("T1071", "Application Layer Protocol", &["TA0011"]),
    ("T1203", "Exploitation for Client Execution", &["TA0002"]),
];

const TACTICS: &[(&str, &str)] = &[
    ("TA0001", "Initial Access"),
    ("TA0002", "Execution"),
    ("TA0003", "Persistence"),
    ("TA0006", "Credential Access"),
    ("TA0007", "Discovery"),
    ("TA0008", "Lateral Movement"),
    ("TA0010", "Exfiltration"),
    ("TA0011", "Command and Control"),
    ("TA0042", "Resource Development"),
    ("TA0043", "Reconnaissance"),
];

fn url(id: &str) -> String {
    let path = id.replace('.', "/");
    if id.starts_with("TA") {
        format!("https://attack.mitre.org/tactics/{path}/")
    } else {
        format!("https://attack.mitre.org/techniques/{path}/")
    }
}

/// The technique objects for technique ids; unknown ids keep their id as name.
pub fn techniques(ids: &[String]) -> Vec<MitreRef> {
    ids.iter()
        .map(|id| {
            let name = TECHNIQUES
                .iter()
                .find(|t| t.0 == id)
                .map(|t| t.1)
                .unwrap_or(id.as_str());
            MitreRef {
                id: id.clone(),
                name: name.to_string(),
                legacy_ids: Vec::new(),
                url: Some(url(id)),
            }
        })
        .collect()
}

/// The tactic objects the given techniques belong to, in first-seen order.
pub fn tactics(technique_ids: &[String]) -> Vec<MitreRef> {
    let mut out: Vec<MitreRef> = Vec::new();
    for id in technique_ids {
        let Some((_, _, tactic_ids)) = TECHNIQUES.iter().find(|t| t.0 == id) else {
            continue;
        };
        for tid in *tactic_ids {
            if out.iter().any(|t| t.id == *tid) {
                continue;
            }
            let name = TACTICS
                .iter()
                .find(|t| t.0 == *tid)
                .map(|t| t.1)
                .unwrap_or(tid);
            out.push(MitreRef {
                id: tid.to_string(),
                name: name.to_string(),
                legacy_ids: Vec::new(),
                url: Some(url(tid)),
            });
        }
    }
    out
}
