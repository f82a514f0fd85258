//! Validation of detection requests (new detections, triage and ticket
//! updates, searches): the rules of the input alone, checked before the store
//! is asked. Each error names the request field.

use super::{DetectionPatch, DetectionSearch, NewDetection, ParticipantKind, Status, TicketPatch};
use crate::Error;
use std::net::IpAddr;

/// Most participants one detection may have.
pub const MAX_PARTICIPANTS: usize = 1_000;

/// An IP address field, parsed (surrounding white space ignored).
pub fn parse_ip(field: &str, s: &str) -> Result<IpAddr, Error> {
    s.trim()
        .parse::<IpAddr>()
        .map_err(|_| Error::invalid(field, format!("\"{s}\" is not an IP address")))
}

/// A list of names (or IP addresses when `ips`): trimmed, none empty,
/// duplicates dropped, first-seen order kept.
pub fn clean_names(field: &str, v: &[String], ips: bool) -> Result<Vec<String>, Error> {
    let mut out: Vec<String> = Vec::new();
    for (i, s) in v.iter().enumerate() {
        let s = s.trim();
        if s.is_empty() {
            return Err(Error::invalid(format!("{field}[{i}]"), "must not be empty"));
        }
        if ips {
            parse_ip(&format!("{field}[{i}]"), s)?;
        }
        if !out.iter().any(|o| o == s) {
            out.push(s.to_string());
        }
    }
    Ok(out)
}

/// Whether `t` is a MITRE technique id such as `T1046` or `T1110.001`.
pub fn is_technique_id(t: &str) -> bool {
    t.len() >= 5
        && t.starts_with('T')
        && t[1..]
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
}

impl NewDetection {
    /// Check a new detection: `now` is the start time when it gives none;
    /// `external_ticketing` whether third-party ticket tracking is on (the
    /// `new` status needs it). The detection type is checked by the store.
    pub fn validate(&self, now: i64, external_ticketing: bool) -> Result<(), Error> {
        if let Some(r) = self.risk_score {
            if r > 100 {
                return Err(Error::invalid("risk_score", "must be between 0 and 100"));
            }
        }
        if self.status == Some(Status::New) && !external_ticketing {
            return Err(Error::invalid(
                "status",
                "\"new\" requires third-party ticket tracking (PATCH /api/v1/extrahop/ticketing)",
            ));
        }
        for (i, t) in self.mitre_techniques.iter().flatten().enumerate() {
            if !is_technique_id(t) {
                return Err(Error::invalid(
                    format!("mitre_techniques[{i}]"),
                    format!("\"{t}\" is not a MITRE technique id"),
                ));
            }
        }
        if self.participants.len() > MAX_PARTICIPANTS {
            return Err(Error::invalid(
                "participants",
                format!("at most {MAX_PARTICIPANTS} participants"),
            ));
        }
        let start = self.start_time.unwrap_or(now);
        if let Some(end) = self.end_time {
            if end < start {
                return Err(Error::invalid("end_time", "must not be before start_time"));
            }
        }
        for (i, p) in self.participants.iter().enumerate() {
            let f = |name: &str| format!("participants[{i}].{name}");
            if let Some(s) = p.ipaddr.as_deref() {
                parse_ip(&f("ipaddr"), s)?;
            }
            match (p.object_type, p.object_value.as_deref()) {
                (ParticipantKind::Ipaddr, Some(v)) => {
                    parse_ip(&f("object_value"), v)?;
                }
                (ParticipantKind::Ipaddr, None) => {
                    return Err(Error::invalid(
                        f("object_value"),
                        "is required when object_type is \"ipaddr\"",
                    ))
                }
                _ => {}
            }
            if p.object_type != ParticipantKind::Ipaddr && p.object_id.is_none() {
                return Err(Error::invalid(
                    f("object_id"),
                    "is required when object_type is \"device\" or \"application\"",
                ));
            }
            clean_names(&f("usernames"), &p.usernames, false)?;
            clean_names(&f("origins"), &p.origins, true)?;
        }
        Ok(())
    }
}

impl DetectionPatch {
    /// Check a triage update; `external_ticketing` as for [`NewDetection::validate`].
    /// Participant ids are checked against the detection by the store.
    pub fn validate(&self, external_ticketing: bool) -> Result<(), Error> {
        if self.status == Some(Some(Status::New)) && !external_ticketing {
            return Err(Error::invalid(
                "status",
                "\"new\" can be set only when third-party ticket tracking is enabled (PATCH /api/v1/extrahop/ticketing)",
            ));
        }
        Ok(())
    }
}

impl TicketPatch {
    /// Check a ticket update; `external_ticketing` as for [`NewDetection::validate`].
    pub fn validate(&self, external_ticketing: bool) -> Result<(), Error> {
        if self.ticket_id.is_empty() {
            return Err(Error::invalid("ticket_id", "must not be empty"));
        }
        if self.status == Some(Some(Status::New)) && !external_ticketing {
            return Err(Error::invalid(
                "status",
                "\"new\" can be set only when third-party ticket tracking is enabled",
            ));
        }
        Ok(())
    }
}

impl DetectionSearch {
    /// Check the paging and sort fields; `max_limit` is the largest page.
    pub fn validate(&self, max_limit: i64) -> Result<(), Error> {
        let non_negative = |field: &str, v: Option<i64>| match v {
            Some(x) if x < 0 => Err(Error::invalid(field, "must not be negative")),
            _ => Ok(()),
        };
        non_negative("limit", self.limit)?;
        if self.limit.is_some_and(|l| l > max_limit) {
            return Err(Error::invalid(
                "limit",
                format!("must be at most {max_limit}"),
            ));
        }
        non_negative("offset", self.offset)?;
        if let Some(h) = self.histogram {
            if h < super::MIN_HISTOGRAM_INTERVAL {
                return Err(Error::invalid(
                    "histogram",
                    format!(
                        "the interval must be at least {} ms",
                        super::MIN_HISTOGRAM_INTERVAL
                    ),
                ));
            }
        }
        if let Some(f) = &self.filter {
            for (field, v) in [
                ("filter.offender", &f.offender),
                ("filter.victim", &f.victim),
            ] {
                let Some(v) = v else { continue };
                if v.len() > super::MAX_PARTICIPANT_FILTER {
                    return Err(Error::invalid(
                        field,
                        format!("at most {} values", super::MAX_PARTICIPANT_FILTER),
                    ));
                }
                if let Some(i) = v.iter().position(|x| x.trim().is_empty() || x.len() > 255) {
                    return Err(Error::invalid(
                        format!("{field}[{i}]"),
                        "must be an IP address, a host name or a device id (1 to 255 characters)",
                    ));
                }
            }
        }
        if let Some(sort) = &self.sort {
            for (i, k) in sort.as_slice().iter().enumerate() {
                if !super::SORTABLE_FIELDS.contains(&k.field.as_str()) {
                    return Err(Error::invalid(
                        format!("sort[{i}].field"),
                        format!(
                            "\"{}\" is not a sortable detection field; use one of {}",
                            k.field,
                            super::SORTABLE_FIELDS.join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::detection::{NewParticipant, Role};

    fn participant(kind: ParticipantKind) -> NewParticipant {
        NewParticipant {
            object_type: kind,
            object_id: None,
            object_value: None,
            role: Role::Offender,
            ipaddr: None,
            hostname: None,
            external: None,
            scanner_service: None,
            usernames: Vec::new(),
            origins: Vec::new(),
        }
    }

    fn field_of(e: Error) -> String {
        e.field.unwrap_or_default()
    }

    #[test]
    fn new_detection_errors_name_the_field() {
        let d = NewDetection {
            kind: "port_scan".into(),
            risk_score: Some(101),
            ..NewDetection::default()
        };
        assert_eq!(field_of(d.validate(0, true).unwrap_err()), "risk_score");
        let d = NewDetection {
            status: Some(Status::New),
            ..NewDetection::default()
        };
        assert_eq!(field_of(d.validate(0, false).unwrap_err()), "status");
        assert!(d.validate(0, true).is_ok());
        let d = NewDetection {
            mitre_techniques: Some(vec!["T1046".into(), "X1".into()]),
            ..NewDetection::default()
        };
        assert_eq!(
            field_of(d.validate(0, true).unwrap_err()),
            "mitre_techniques[1]"
        );
        let d = NewDetection {
            start_time: Some(10),
            end_time: Some(5),
            ..NewDetection::default()
        };
        assert_eq!(field_of(d.validate(0, true).unwrap_err()), "end_time");
        let mut ip = participant(ParticipantKind::Ipaddr);
        let d = NewDetection {
            participants: vec![ip.clone()],
            ..NewDetection::default()
        };
        assert_eq!(
            field_of(d.validate(0, true).unwrap_err()),
            "participants[0].object_value"
        );
        ip.object_value = Some("10.0.0.1".into());
        ip.origins = vec!["nope".into()];
        let d = NewDetection {
            participants: vec![ip, participant(ParticipantKind::Device)],
            ..NewDetection::default()
        };
        assert_eq!(
            field_of(d.validate(0, true).unwrap_err()),
            "participants[0].origins[0]"
        );
    }

    #[test]
    fn names_are_trimmed_and_deduplicated() {
        let v = vec![" a ".to_string(), "b".into(), "a".into()];
        assert_eq!(clean_names("u", &v, false).unwrap(), vec!["a", "b"]);
        assert!(clean_names("u", &["".into()], false).is_err());
    }

    #[test]
    fn search_paging_is_checked() {
        let s = DetectionSearch {
            limit: Some(-1),
            ..DetectionSearch::default()
        };
        assert_eq!(field_of(s.validate(100).unwrap_err()), "limit");
        let s = DetectionSearch {
            limit: Some(101),
            ..DetectionSearch::default()
        };
        assert_eq!(
            s.validate(100).unwrap_err().message,
            "limit: must be at most 100"
        );
        let s = DetectionSearch {
            offset: Some(-1),
            ..DetectionSearch::default()
        };
        assert_eq!(field_of(s.validate(100).unwrap_err()), "offset");
    }
}
