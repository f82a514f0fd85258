//! The device search filter: `{field, operator, operand}` or
//! `{operator: and|or|not, rules: [...]}`, evaluated against devices.

use crate::device::Device;
use crate::locality::parse_net;
use serde::Deserialize;
use serde_json::Value;

/// Check a device group's or tag's name: 1 to 256 characters, not blank.
pub fn validate_group_name(field: &str, name: &str) -> Result<(), crate::Error> {
    if name.trim().is_empty() || name.len() > 256 {
        return Err(crate::Error::invalid(field, "must be 1 to 256 characters"));
    }
    Ok(())
}

/// Check the `filter` of a dynamic device group: present, and a filter that compiles.
pub fn validate_group_filter(filter: Option<&Value>) -> Result<(), crate::Error> {
    let f = filter
        .cloned()
        .ok_or_else(|| crate::Error::invalid("filter", "is required for a dynamic group"))?;
    let parsed: DeviceFilter =
        serde_json::from_value(f).map_err(|e| crate::Error::invalid("filter", e.to_string()))?;
    parsed.compile("filter")?;
    Ok(())
}

/// Deepest nesting of `and`/`or`/`not` accepted.
pub const MAX_DEPTH: usize = 16;
/// Most rules in one filter (all levels), as the record filter.
pub const MAX_RULES: usize = 256;

/// A device filter: a test (`field`, `operator`, `operand`), or `and`, `or`
/// or `not` combining `rules` (`not` takes exactly one). At most 16 levels
/// deep and 256 rules.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[schemars(example = DeviceFilter::example())]
pub struct DeviceFilter {
    /// The device field to test (required without `rules`). `name` matches
    /// any of the device's names, `ipaddr` any of its addresses; `role` and
    /// `type` are the custom type when set, else the discovered role; `vlan`
    /// is `vlanid`.
    #[serde(default)]
    #[schemars(schema_with = "field_schema")]
    pub field: Option<String>,
    /// How to compare (default `=`). `=`, `!=` and `startswith` ignore case,
    /// `=` on `ipaddr` takes a CIDR block; `~` and `!~` are case-insensitive
    /// regular expressions; `>`, `<`, `>=` and `<=` compare numbers; `exists`
    /// and `not_exists` need no operand; `and`, `or` and `not` combine `rules`.
    #[serde(default)]
    #[schemars(schema_with = "operator_schema")]
    pub operator: Option<String>,
    /// The value compared with (required unless the operator is `exists` or
    /// `not_exists`).
    #[serde(default)]
    #[schemars(schema_with = "operand_schema")]
    pub operand: Option<Value>,
    /// The filters `and`, `or` or `not` combine.
    #[serde(default)]
    pub rules: Option<Vec<DeviceFilter>>,
}

impl DeviceFilter {
    /// The example of the API's documentation.
    pub fn example() -> Value {
        serde_json::json!({"operator": "and", "rules": [
            {"field": "ipaddr", "operator": "=", "operand": "10.1.0.0/16"},
            {"operator": "not", "rules": [{"field": "vendor", "operator": "~", "operand": "cisco"}]},
        ]})
    }
}

/// The operators that combine `rules`.
const COMBINATORS: &[&str] = &["and", "or", "not"];

/// `field`: one of [`FIELDS`].
fn field_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "enum": FIELDS})
}

/// `operator`: a comparison ([`OPERATORS`]) or a combinator.
fn operator_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let all: Vec<&str> = OPERATORS.iter().chain(COMBINATORS).copied().collect();
    schemars::json_schema!({"type": "string", "enum": all})
}

/// `operand`: a string, a number or a boolean.
fn operand_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]})
}

/// Fields a device filter may name.
pub const FIELDS: &[&str] = &[
    "name",
    "display_name",
    "discovery_id",
    "ipaddr",
    "macaddr",
    "vendor",
    "role",
    "type",
    "device_class",
    "dns_name",
    "dhcp_name",
    "netbios_name",
    "cdp_name",
    "vlan",
    "discover_time",
    "last_seen_time",
    "is_l3",
    "id",
    "parent_id",
    "critical",
    "on_watchlist",
];

/// The comparisons of a test.
pub const OPERATORS: &[&str] = &[
    "=",
    "!=",
    "~",
    "!~",
    ">",
    "<",
    ">=",
    "<=",
    "startswith",
    "exists",
    "not_exists",
];

fn field_values(d: &Device, field: &str) -> Vec<Value> {
    let s = |v: &Option<String>| v.clone().map(Value::String).into_iter().collect::<Vec<_>>();
    match field {
        "name" => [
            &d.custom_name,
            &d.dns_name,
            &d.dhcp_name,
            &d.netbios_name,
            &d.cdp_name,
        ]
        .into_iter()
        .flatten()
        .cloned()
        .chain([d.default_name.clone(), d.display_name.clone()])
        .map(Value::String)
        .collect(),
        "display_name" => vec![Value::String(d.display_name.clone())],
        "discovery_id" => vec![Value::String(d.discovery_id.clone())],
        "ipaddr" => d.ipaddrs.iter().cloned().map(Value::String).collect(),
        "macaddr" => s(&d.macaddr),
        "vendor" => s(&d.vendor),
        "role" | "type" => vec![Value::String(if d.custom_type.is_empty() {
            d.role.clone()
        } else {
            d.custom_type.clone()
        })],
        "device_class" => vec![Value::String(d.device_class.clone())],
        "dns_name" => s(&d.dns_name),
        "dhcp_name" => s(&d.dhcp_name),
        "netbios_name" => s(&d.netbios_name),
        "cdp_name" => s(&d.cdp_name),
        "vlan" => vec![Value::from(d.vlanid)],
        "discover_time" => vec![Value::from(d.discover_time)],
        "last_seen_time" => vec![Value::from(d.last_seen_time)],
        "is_l3" => vec![Value::Bool(d.is_l3)],
        "id" => vec![Value::from(d.id)],
        "parent_id" => d.parent_id.map(Value::from).into_iter().collect(),
        "critical" => vec![Value::Bool(d.critical)],
        "on_watchlist" => vec![Value::Bool(d.on_watchlist)],
        _ => Vec::new(),
    }
}

fn as_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A filter checked and ready to evaluate.
pub enum Compiled {
    All(Vec<Compiled>),
    Any(Vec<Compiled>),
    Not(Box<Compiled>),
    Test {
        field: String,
        op: String,
        operand: Value,
        regex: Option<regex::Regex>,
    },
}

impl DeviceFilter {
    /// Check the filter; errors name the path of the bad part.
    pub fn compile(&self, path: &str) -> crate::error::Result<Compiled> {
        let mut budget = MAX_RULES;
        self.compile_at(path, 0, &mut budget)
    }

    fn compile_at(
        &self,
        path: &str,
        depth: usize,
        budget: &mut usize,
    ) -> crate::error::Result<Compiled> {
        if depth > MAX_DEPTH {
            return Err(crate::Error::invalid(
                path,
                format!("nested more than {MAX_DEPTH} levels"),
            ));
        }
        if *budget == 0 {
            return Err(crate::Error::invalid(
                path,
                format!("more than {MAX_RULES} rules"),
            ));
        }
        *budget -= 1;
        let op = self.operator.clone().unwrap_or_else(|| "=".into());
        if let Some(rules) = &self.rules {
            let compiled = rules
                .iter()
                .enumerate()
                .map(|(i, r)| r.compile_at(&format!("{path}.rules[{i}]"), depth + 1, budget))
                .collect::<Result<Vec<_>, _>>()?;
            return match op.as_str() {
                "and" => Ok(Compiled::All(compiled)),
                "or" => Ok(Compiled::Any(compiled)),
                "not" => {
                    let mut c = compiled;
                    if c.len() != 1 {
                        return Err(crate::Error::invalid(
                            format!("{path}.rules"),
                            "\"not\" takes exactly one rule",
                        ));
                    }
                    Ok(Compiled::Not(Box::new(c.remove(0))))
                }
                other => Err(crate::Error::invalid(
                    format!("{path}.operator"),
                    format!("\"{other}\" cannot combine rules; use and, or, not"),
                )),
            };
        }
        let field = self.field.clone().ok_or_else(|| {
            crate::Error::invalid(format!("{path}.field"), "is required".to_string())
        })?;
        if !FIELDS.contains(&field.as_str()) {
            return Err(crate::Error::invalid(
                format!("{path}.field"),
                format!(
                    "\"{field}\" is not a device field; use one of {}",
                    FIELDS.join(", ")
                ),
            ));
        }
        if !OPERATORS.contains(&op.as_str()) {
            return Err(crate::Error::invalid(
                format!("{path}.operator"),
                format!(
                    "\"{op}\" is not an operator; use one of {}",
                    OPERATORS.join(", ")
                ),
            ));
        }
        let operand = self.operand.clone().unwrap_or(Value::Null);
        if operand.is_null() && !matches!(op.as_str(), "exists" | "not_exists") {
            return Err(crate::Error::invalid(
                format!("{path}.operand"),
                "is required",
            ));
        }
        let regex = if matches!(op.as_str(), "~" | "!~") {
            let pat = as_text(&operand);
            Some(
                regex::RegexBuilder::new(&pat)
                    .case_insensitive(true)
                    .build()
                    .map_err(|e| {
                        crate::Error::invalid(
                            format!("{path}.operand"),
                            format!("\"{pat}\" is not a valid regular expression: {e}"),
                        )
                    })?,
            )
        } else {
            None
        };
        Ok(Compiled::Test {
            field,
            op,
            operand,
            regex,
        })
    }
}

impl Compiled {
    pub fn matches(&self, d: &Device) -> bool {
        match self {
            Compiled::All(v) => v.iter().all(|c| c.matches(d)),
            Compiled::Any(v) => v.iter().any(|c| c.matches(d)),
            Compiled::Not(c) => !c.matches(d),
            Compiled::Test {
                field,
                op,
                operand,
                regex,
            } => {
                let vals = field_values(d, field);
                let one = |v: &Value| -> bool {
                    let (a, b) = (as_text(v), as_text(operand));
                    let num = || {
                        Some((
                            v.as_f64().or_else(|| a.parse().ok())?,
                            operand.as_f64().or_else(|| b.parse().ok())?,
                        ))
                    };
                    match op.as_str() {
                        "=" => {
                            if field == "ipaddr" {
                                if let (Some(net), Ok(ip)) =
                                    (parse_net(&b), a.parse::<std::net::IpAddr>())
                                {
                                    return net.contains(&ip);
                                }
                            }
                            a.eq_ignore_ascii_case(&b)
                        }
                        "startswith" => a.to_lowercase().starts_with(&b.to_lowercase()),
                        "~" => regex.as_ref().is_some_and(|r| r.is_match(&a)),
                        ">" => num().is_some_and(|(x, y)| x > y),
                        "<" => num().is_some_and(|(x, y)| x < y),
                        ">=" => num().is_some_and(|(x, y)| x >= y),
                        "<=" => num().is_some_and(|(x, y)| x <= y),
                        _ => false,
                    }
                };
                match op.as_str() {
                    "exists" => !vals.is_empty(),
                    "not_exists" => vals.is_empty(),
                    "!=" => !vals
                        .iter()
                        .any(|v| as_text(v).eq_ignore_ascii_case(&as_text(operand))),
                    "!~" => !vals
                        .iter()
                        .any(|v| regex.as_ref().is_some_and(|r| r.is_match(&as_text(v)))),
                    _ => vals.iter().any(one),
                }
            }
        }
    }
}
