//! The tuning-rule matcher: does a rule hide a detection?
//!
//! A rule is compiled once (regexes, CIDR lists) and then matched against many
//! detections. Lookups that need the store (localities, device groups) go
//! through [`MatchContext`].

use crate::detection::{Detection, Participant, ParticipantKind, Role};
use crate::locality::parse_net;
use crate::rule::{
    HidingObjectType, HidingParticipant, LocalityType, Operand, PropertyFilter, PropertyOperator,
    RuleParticipant, TuningRule,
};
use ipnet::IpNet;
use regex::{Regex, RegexBuilder};
use serde_json::Value;
use std::net::IpAddr;

/// Store lookups the matcher needs.
pub trait MatchContext {
    /// Whether `ip` is external: the network locality entries decide, then
    /// the address itself (private, loopback and link-local ranges are internal).
    fn is_external(&self, ip: IpAddr) -> bool;
    /// Whether `ip` is in the network locality entry `id`.
    fn in_locality(&self, id: u64, ip: IpAddr) -> bool;
    /// Whether device `device_id` belongs to device group `group_id`.
    fn in_device_group(&self, group_id: u64, device_id: u64) -> bool;
}

/// Whether an address is in a range that is internal by definition.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                // 100.64.0.0/10, carrier-grade NAT
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xC0) == 64)
        }
        IpAddr::V6(v6) => {
            v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

enum ParticipantMatcher {
    Any,
    Device(u64),
    DeviceGroup(u64),
    Nets(Vec<IpNet>),
    Locality(LocalityType),
    NetworkLocality(u64),
    Hostnames(Vec<String>),
    Scanners(Option<Vec<String>>),
    Usernames(Vec<String>),
}

enum StringTest {
    Exact(String),
    Folded(String),
    Regex(Regex),
    Number(f64),
    Bool(bool),
}

struct PropertyMatcher {
    property: String,
    operator: PropertyOperator,
    tests: Vec<StringTest>,
}

/// A tuning rule ready to be matched.
pub struct CompiledRule {
    pub id: u64,
    detection_type: String,
    offender: ParticipantMatcher,
    victim: ParticipantMatcher,
    properties: Vec<PropertyMatcher>,
}

/// The values of `side.field` (`offender.object_value`); at least one.
fn values_of(
    side: &str,
    field: &str,
    v: Option<&crate::rule::OneOrManyStr>,
) -> Result<Vec<String>, RuleError> {
    let vals: Vec<String> = v
        .map(|v| v.values().into_iter().map(str::to_string).collect())
        .unwrap_or_default();
    if vals.is_empty() {
        return Err(RuleError::new(
            format!("{side}.{field}"),
            format!("{field} is required for this object_type"),
        ));
    }
    Ok(vals)
}

fn compile_participant(side: &str, p: &RuleParticipant) -> Result<ParticipantMatcher, RuleError> {
    let err = |field: &str, msg: String| RuleError::new(format!("{side}.{field}"), msg);
    let HidingParticipant {
        object_type,
        object_id,
        object_value,
        object_locality,
        object_scanner,
        object_hostname,
        object_username,
    } = match p {
        RuleParticipant::Any => return Ok(ParticipantMatcher::Any),
        RuleParticipant::Object(o) => o,
    };
    let id = |name: &str| {
        object_id.ok_or_else(|| {
            err(
                "object_id",
                format!("is required when object_type is \"{name}\""),
            )
        })
    };
    Ok(match object_type {
        HidingObjectType::Device => ParticipantMatcher::Device(id("device")?),
        HidingObjectType::DeviceGroup => ParticipantMatcher::DeviceGroup(id("device_group")?),
        HidingObjectType::NetworkLocality => {
            ParticipantMatcher::NetworkLocality(id("network_locality")?)
        }
        HidingObjectType::Ipaddr => {
            let vals = values_of(side, "object_value", object_value.as_ref())?;
            let mut nets = Vec::new();
            for v in vals {
                nets.push(parse_net(&v).ok_or_else(|| {
                    err(
                        "object_value",
                        format!("\"{v}\" is not an IP address or CIDR block"),
                    )
                })?);
            }
            ParticipantMatcher::Nets(nets)
        }
        HidingObjectType::LocalityType => {
            ParticipantMatcher::Locality(object_locality.ok_or_else(|| {
                err(
                    "object_locality",
                    "is required when object_type is \"locality_type\" (internal or external)"
                        .into(),
                )
            })?)
        }
        HidingObjectType::Hostname => ParticipantMatcher::Hostnames(
            values_of(side, "object_hostname", object_hostname.as_ref())?
                .into_iter()
                .map(|h| h.trim_end_matches('.').to_ascii_lowercase())
                .collect(),
        ),
        HidingObjectType::ScannerService => {
            let vals = values_of(side, "object_scanner", object_scanner.as_ref())?;
            if vals.iter().any(|v| v.eq_ignore_ascii_case("any")) {
                ParticipantMatcher::Scanners(None)
            } else {
                ParticipantMatcher::Scanners(Some(
                    vals.into_iter().map(|v| v.to_lowercase()).collect(),
                ))
            }
        }
        HidingObjectType::Username => ParticipantMatcher::Usernames(values_of(
            side,
            "object_username",
            object_username.as_ref(),
        )?),
    })
}

fn scalar_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn compile_test(
    field: &str,
    v: &Value,
    regex: bool,
    case_sensitive: bool,
    anchored: bool,
) -> Result<StringTest, RuleError> {
    if !regex {
        match v {
            Value::Number(n) => return Ok(StringTest::Number(n.as_f64().unwrap_or(f64::NAN))),
            Value::Bool(b) => return Ok(StringTest::Bool(*b)),
            _ => {}
        }
    }
    let s = scalar_string(v).ok_or_else(|| {
        RuleError::new(
            field,
            format!("must be a string, number or boolean, found {v}"),
        )
    })?;
    if regex {
        let pattern = if anchored {
            format!("^(?:{s})$")
        } else {
            s.clone()
        };
        let re = RegexBuilder::new(&pattern)
            .case_insensitive(!case_sensitive)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| {
                RuleError::new(
                    field,
                    format!("\"{s}\" is not a valid regular expression: {e}"),
                )
            })?;
        return Ok(StringTest::Regex(re));
    }
    Ok(if case_sensitive {
        StringTest::Exact(s)
    } else {
        StringTest::Folded(s.to_lowercase())
    })
}

fn compile_property(i: usize, f: &PropertyFilter) -> Result<PropertyMatcher, RuleError> {
    let field = format!("properties[{i}].operand");
    if f.property.is_empty() {
        return Err(RuleError::new(
            format!("properties[{i}].property"),
            "must not be empty",
        ));
    }
    let is_match_op = matches!(
        f.operator,
        PropertyOperator::Match | PropertyOperator::NotMatch
    );
    let (values, is_regex, case_sensitive): (Vec<&Value>, bool, bool) = match &f.operand {
        Operand::Object {
            value,
            is_regex,
            case_sensitive,
        } => {
            let vals = match value {
                Value::Array(a) => a.iter().collect(),
                v => vec![v],
            };
            (
                vals,
                is_regex.unwrap_or(false) || is_match_op,
                case_sensitive.unwrap_or(true),
            )
        }
        Operand::List(l) => (l.iter().collect(), is_match_op, true),
        Operand::Plain(v) => (vec![v], is_match_op, true),
    };
    if values.is_empty() {
        return Err(RuleError::new(field, "must not be empty"));
    }
    if values.len() > 1 && f.operator != PropertyOperator::In {
        return Err(RuleError::new(
            field,
            "a list of values needs the \"in\" operator",
        ));
    }
    let tests = values
        .into_iter()
        .map(|v| compile_test(&field, v, is_regex, case_sensitive, !is_match_op))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(PropertyMatcher {
        property: f.property.clone(),
        operator: f.operator,
        tests,
    })
}

impl StringTest {
    fn matches(&self, v: &Value) -> bool {
        match self {
            StringTest::Number(n) => match v {
                Value::Number(x) => x.as_f64() == Some(*n),
                Value::String(s) => s.trim().parse::<f64>().ok() == Some(*n),
                _ => false,
            },
            StringTest::Bool(b) => match v {
                Value::Bool(x) => x == b,
                Value::String(s) => s == &b.to_string(),
                _ => false,
            },
            StringTest::Exact(e) => scalar_string(v).is_some_and(|s| &s == e),
            StringTest::Folded(e) => scalar_string(v).is_some_and(|s| s.to_lowercase() == *e),
            StringTest::Regex(re) => scalar_string(v).is_some_and(|s| re.is_match(&s)),
        }
    }
}

impl PropertyMatcher {
    fn matches(&self, det: &Detection) -> bool {
        let elems: Vec<&Value> = match det.properties.get(&self.property) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(a)) => a.iter().collect(),
            Some(v) => vec![v],
        };
        let any = elems
            .iter()
            .any(|e| self.tests.iter().any(|t| t.matches(e)));
        match self.operator {
            PropertyOperator::Eq | PropertyOperator::Match | PropertyOperator::In => any,
            PropertyOperator::Ne | PropertyOperator::NotMatch => !any,
        }
    }
}

impl ParticipantMatcher {
    fn matches(&self, p: &Participant, ctx: &dyn MatchContext) -> bool {
        let ip = || p.ip().and_then(|s| s.parse::<IpAddr>().ok());
        let device = || {
            (p.object_type == ParticipantKind::Device)
                .then_some(p.object_id)
                .flatten()
        };
        match self {
            ParticipantMatcher::Any => true,
            ParticipantMatcher::Device(id) => device() == Some(*id),
            ParticipantMatcher::DeviceGroup(g) => {
                device().is_some_and(|d| ctx.in_device_group(*g, d))
            }
            ParticipantMatcher::Nets(nets) => {
                ip().is_some_and(|ip| nets.iter().any(|n| n.contains(&ip)))
            }
            ParticipantMatcher::Locality(l) => {
                let external = ip().map(|ip| ctx.is_external(ip)).unwrap_or(p.external);
                external == (*l == LocalityType::External)
            }
            ParticipantMatcher::NetworkLocality(id) => {
                ip().is_some_and(|ip| ctx.in_locality(*id, ip))
            }
            ParticipantMatcher::Hostnames(h) => p.hostname.as_deref().is_some_and(|name| {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                h.contains(&name)
            }),
            ParticipantMatcher::Scanners(None) => p.scanner_service.is_some(),
            ParticipantMatcher::Scanners(Some(names)) => p
                .scanner_service
                .as_deref()
                .is_some_and(|s| names.contains(&s.to_lowercase())),
            ParticipantMatcher::Usernames(u) => p.usernames.iter().any(|n| u.contains(n)),
        }
    }

    fn matches_role(&self, det: &Detection, role: Role, ctx: &dyn MatchContext) -> bool {
        match self {
            ParticipantMatcher::Any => true,
            m => det
                .participants
                .iter()
                .filter(|p| p.role == role)
                .any(|p| m.matches(p, ctx)),
        }
    }

    fn is_any(&self) -> bool {
        matches!(self, ParticipantMatcher::Any)
    }
}

/// A rule that does not compile: the field of the rule and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {problem}")]
pub struct RuleError {
    pub field: String,
    pub problem: String,
}

impl RuleError {
    fn new(field: impl Into<String>, problem: impl Into<String>) -> RuleError {
        RuleError {
            field: field.into(),
            problem: problem.into(),
        }
    }
}

impl From<RuleError> for crate::Error {
    fn from(e: RuleError) -> crate::Error {
        crate::Error::invalid(e.field, e.problem)
    }
}

impl CompiledRule {
    /// Compile a rule; the error names the rule's field.
    pub fn new(rule: &TuningRule) -> Result<CompiledRule, RuleError> {
        if rule.detection_type.is_empty() {
            return Err(RuleError::new("detection_type", "must not be empty"));
        }
        Ok(CompiledRule {
            id: rule.id,
            detection_type: rule.detection_type.clone(),
            offender: compile_participant("offender", &rule.offender)?,
            victim: compile_participant("victim", &rule.victim)?,
            properties: rule
                .properties
                .iter()
                .enumerate()
                .map(|(i, f)| compile_property(i, f))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Whether the rule hides the detection.
    pub fn matches(&self, det: &Detection, ctx: &dyn MatchContext) -> bool {
        let type_ok = match self.detection_type.as_str() {
            "all_security" => det
                .categories
                .iter()
                .any(|c| c == "sec" || c.starts_with("sec.")),
            "all_performance" => det
                .categories
                .iter()
                .any(|c| c == "perf" || c.starts_with("perf.")),
            t => det.kind == t,
        };
        type_ok
            && self.offender.matches_role(det, Role::Offender, ctx)
            && self.victim.matches_role(det, Role::Victim, ctx)
            && self.properties.iter().all(|p| p.matches(det))
    }

    /// The participants of a matching detection that the rule singles out
    /// (for `participants_hidden`): the offenders and victims it names, or
    /// every participant when both sides are "Any".
    pub fn hidden_participants<'a>(
        &self,
        det: &'a Detection,
        ctx: &dyn MatchContext,
    ) -> Vec<&'a Participant> {
        det.participants
            .iter()
            .filter(|p| {
                let (m, other) = match p.role {
                    Role::Offender => (&self.offender, &self.victim),
                    Role::Victim => (&self.victim, &self.offender),
                };
                if m.is_any() {
                    other.is_any()
                } else {
                    m.matches(p, ctx)
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;
