//! The record query filter of `POST /records/search`: every operator of the
//! seed (`>`, `<`, `<=`, `>=`, `=`, `!=`, `startswith`, `~`, `!~`, `and`,
//! `or`, `not`, `exists`, `not_exists`, `in`, `not_in`), the pseudo-fields
//! `.any`, `.ipaddr` and `.port`, typed operands (`ipaddr4`, `ipaddr6` with
//! CIDR, `number`, `string`, `boolean`, `device`, `device_group`,
//! `device_filter`, `network_locality`) and nested `rules`.
//!
//! Compilation resolves devices, groups and localities to address sets
//! through a [`RecordContext`], so evaluation is pure and cheap.

use crate::device_filter::DeviceFilter;
use crate::locality::parse_net;
use crate::record::field_group;
use ipnet::IpNet;
use regex::{Regex, RegexBuilder};
use serde::Deserialize;
use serde_json::{Map, Value};
use std::net::IpAddr;

/// Deepest nesting of rules accepted.
pub const MAX_DEPTH: usize = 16;
/// Most rules in one filter (all levels).
pub const MAX_RULES: usize = 256;

/// A record filter: a test (`field`, `operator`, `operand`), or `and`, `or`
/// or `not` combining `rules` (`not` takes exactly one). At most 16 levels
/// deep and 256 rules.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
#[schemars(example = RecordFilter::example())]
pub struct RecordFilter {
    /// The record field to test (required without `rules`), e.g.
    /// `serverPort` or `proto` (`GET /records/formats` lists them; the
    /// former names of renamed fields are aliases: `ipproto` is `proto`,
    /// `clientAddr` is also `~flow`'s `senderAddr`). `.any` tests every
    /// field, `.ipaddr` every address (`clientAddr`, `serverAddr`,
    /// `senderAddr`, `receiverAddr`), `.port` every port; `client` and
    /// `sender` are the originator (its address, or its custom device),
    /// `server` and `receiver` the responder.
    #[serde(default)]
    #[schemars(with = "String")]
    pub field: Option<String>,
    /// How to compare. `~` and `!~` are regular expressions; `>`, `<`, `<=`
    /// and `>=` compare numbers; `in` and `not_in` take a list or an operand
    /// naming addresses (device, device group, device filter, network
    /// locality); `exists` and `not_exists` need no operand; `and`, `or` and
    /// `not` combine `rules`. An address or CIDR block compared (`=`, `!=`,
    /// `in`, `not_in`) with an address field matches the addresses it covers.
    // Required by `compile` (a missing one is a 400 naming it): no
    // `#[serde(default)]`, so the schema requires it too.
    #[schemars(required, schema_with = "operator_schema")]
    pub operator: Option<String>,
    /// The value compared with (required unless the operator is `exists` or
    /// `not_exists`): a string, number, boolean, list, or a typed operand.
    #[serde(default)]
    #[schemars(schema_with = "operand_schema")]
    pub operand: Option<Value>,
    /// The filters `and`, `or` or `not` combine.
    #[serde(default)]
    pub rules: Option<Vec<RecordFilter>>,
}

impl RecordFilter {
    /// The example of the API's documentation.
    pub fn example() -> Value {
        serde_json::json!({"operator": "and", "rules": [
            {"field": "serverPort", "operator": "=", "operand": 443},
            {"field": "client", "operator": "=", "operand": {"type": "ipaddr4", "value": "10.1.0.0/16"}},
            {"field": "serverAddr", "operator": "not_in", "operand": ["10.1.0.1", "10.1.0.2"]},
        ]})
    }
}

/// The operators of a record filter (`and`, `or`, `not` combine `rules`):
/// what [`RecordFilter::compile`] reads.
pub const OPERATORS: &[&str] = &[
    ">",
    "<",
    "<=",
    ">=",
    "=",
    "!=",
    "startswith",
    "~",
    "!~",
    "and",
    "or",
    "not",
    "exists",
    "not_exists",
    "in",
    "not_in",
];

/// The types of a typed operand ([`RecordOperand`]) that
/// [`RecordFilter::compile`] reads.
pub const OPERAND_TYPES: &[&str] = &[
    "ipaddr4",
    "ipaddr6",
    "number",
    "string",
    "boolean",
    "device",
    "device_group",
    "device_filter",
    "network_locality",
];

/// `operator`: one of [`OPERATORS`].
fn operator_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "enum": OPERATORS})
}

/// `operand`: a scalar, a list of scalars, or a typed operand.
fn operand_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let typed = g.subschema_for::<RecordOperand>();
    schemars::json_schema!({
        "anyOf": [
            {"type": "string"},
            {"type": "number"},
            {"type": "boolean"},
            {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}]}},
            typed,
        ],
    })
}

/// A typed operand (`{"type": ..., "value": ...}` in a filter's `operand`).
/// `ipaddr4` and `ipaddr6` take an address or CIDR block; `device` the
/// discovery id (or id) of a device, `device_group` the id of a device
/// group, `network_locality` the id of a network locality entry,
/// `device_filter` a device filter: each stands for the addresses of what it
/// names. The ExtraHop types `application`, `flowinterface`, `flownetwork`
/// and `object` have no meaning here (400).
// The shape `RecordFilter::compile` reads from an operand object; its schema
// documents it.
#[derive(Debug, Clone, Deserialize, schemars::JsonSchema)]
pub struct RecordOperand {
    /// How to read `value`.
    #[serde(rename = "type")]
    #[schemars(schema_with = "operand_type_schema")]
    pub kind: String,
    /// The value: a string (or number) for most types, a `DeviceFilter` for
    /// `device_filter`.
    #[schemars(schema_with = "operand_value_schema")]
    pub value: Value,
}

/// `type` of a typed operand: one of [`OPERAND_TYPES`].
fn operand_type_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({"type": "string", "enum": OPERAND_TYPES})
}

/// `value` of a typed operand.
fn operand_value_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    let filter = g.subschema_for::<DeviceFilter>();
    schemars::json_schema!({
        "anyOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}, filter],
    })
}

/// Lookups that turn objects into address sets.
pub trait RecordContext {
    /// Addresses of the device with this discovery id (or numeric id).
    fn device_ips(&self, device: &str) -> Option<Vec<IpAddr>>;
    /// Addresses of the devices in a device group.
    fn group_ips(&self, group: &str) -> Option<Vec<IpAddr>>;
    /// Addresses of the devices matching a device filter.
    fn filter_ips(&self, filter: &DeviceFilter) -> crate::error::Result<Vec<IpAddr>>;
    /// Networks of a network locality entry.
    fn locality_nets(&self, id: &str) -> Option<Vec<IpNet>>;
    /// The `extrahop_id` of the custom device with this discovery id (or
    /// numeric device id); `None` when it is not a custom device.
    fn custom_device(&self, _device: &str) -> Option<String> {
        None
    }
}

const ADDR_FIELDS: &[&str] = &["clientAddr", "serverAddr", "senderAddr", "receiverAddr"];
const PORT_FIELDS: &[&str] = &["clientPort", "serverPort", "senderPort", "receiverPort"];

/// A compiled operand.
#[derive(Debug)]
pub enum Operand {
    Text(String),
    Number(f64),
    Bool(bool),
    Nets(Vec<IpNet>),
    Set(Vec<Value>),
    Regex(Regex),
    /// A custom device (its `extrahop_id`): matched through the record's
    /// device field of the role (`client`: `{"type": "device", "value": [ids]}`).
    Device(String),
    None,
}

/// A comparison operator.
#[derive(Debug)]
pub enum Op {
    Eq,
    Ne,
    Gt,
    Lt,
    Le,
    Ge,
    StartsWith,
    Match,
    NotMatch,
    Exists,
    NotExists,
    In,
    NotIn,
}

/// A condition the store answers from an indexed column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqlTerm {
    /// The server's (or client's) port equals (in records of type `kind`
    /// only, when given: `receiverPort` is only `~flow`'s).
    Port {
        server: bool,
        kind: Option<&'static str>,
        port: i64,
    },
    /// The server's (or client's) address is an IPv4 address in `[lo, hi]`
    /// (in records of type `kind` only, when given).
    V4 {
        server: bool,
        kind: Option<&'static str>,
        lo: u32,
        hi: u32,
    },
    /// A name column (`qname`, `host`: one of [`NAME_FIELDS`]) equals one
    /// of these (in records of type `kind` only, when given).
    Name {
        field: &'static str,
        kind: Option<&'static str>,
        any_of: Vec<String>,
    },
    /// A name column starts with this.
    NamePrefix {
        field: &'static str,
        kind: Option<&'static str>,
        prefix: String,
    },
}

/// Text columns the store keeps indexed: what analysts search records by
/// most (`qname`: DNS query names; `host`: HTTP hosts and TLS SNI, the
/// `~ssl_open` field `serverName`).
pub const NAME_FIELDS: &[&str] = &["qname", "host"];

/// The name column a filter's fields are in, and the record type it is
/// limited to: `qname`; `host` (with its alias group `host`, `serverName`:
/// the column holds both); `serverName` alone (the column's `~ssl_open` rows).
fn name_column(names: &[&str]) -> Option<(&'static str, Option<&'static str>)> {
    match names {
        ["qname"] => Some(("qname", None)),
        ["host", "serverName"] | ["host"] => Some(("host", None)),
        ["serverName"] => Some(("host", Some("~ssl_open"))),
        _ => None,
    }
}

/// A compiled filter.
#[derive(Debug)]
pub enum Compiled {
    All(Vec<Compiled>),
    Any(Vec<Compiled>),
    Not(Box<Compiled>),
    Test {
        fields: Fields,
        op: Op,
        operand: Operand,
    },
}

/// Which record fields a test looks at.
#[derive(Debug)]
pub enum Fields {
    One(String),
    /// Several fields: a pseudo-field (`.ipaddr`, `.port`), or a field and
    /// the names it became (`clientAddr` is `senderAddr` on `~flow`).
    Many(Vec<String>),
    /// A device role: `client` / `sender` (the originator) or `server` /
    /// `receiver` (the responder): its address fields and device fields.
    Role(&'static Role),
    AnyField,
}

/// An end of the traffic a record describes.
#[derive(Debug)]
pub struct Role {
    /// Its address fields (`clientAddr` on L7 records, `senderAddr` on `~flow`).
    pub addrs: &'static [&'static str],
    /// Its device fields (`client`, `sender`).
    pub devices: &'static [&'static str],
}

const ORIGINATOR: Role = Role {
    addrs: &["clientAddr", "senderAddr"],
    devices: &["client", "sender"],
};
const RESPONDER: Role = Role {
    addrs: &["serverAddr", "receiverAddr"],
    devices: &["server", "receiver"],
};

/// `client` and `sender` both name the originator (ExtraHop writes
/// `sender` on `~flow`, `client` on the L7 types), `server` and `receiver`
/// the responder.
fn role(f: &str) -> Option<&'static Role> {
    match f {
        "client" | "sender" => Some(&ORIGINATOR),
        "server" | "receiver" => Some(&RESPONDER),
        _ => None,
    }
}

fn many(fs: &[&str]) -> Fields {
    Fields::Many(fs.iter().map(|f| f.to_string()).collect())
}

/// The indexed column a field is stored in: `(server end, port)` for the
/// port and address fields, in either naming.
fn end_column(field: &str) -> Option<(bool, bool)> {
    Some(match field {
        "clientPort" | "senderPort" => (false, true),
        "serverPort" | "receiverPort" => (true, true),
        "clientAddr" | "senderAddr" => (false, false),
        "serverAddr" | "receiverAddr" => (true, false),
        _ => return None,
    })
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn to_nets(ips: Vec<IpAddr>) -> Vec<IpNet> {
    ips.into_iter().map(IpNet::from).collect()
}

impl RecordFilter {
    /// Check and compile; errors are `(field path, problem)`.
    pub fn compile(&self, path: &str, ctx: &dyn RecordContext) -> crate::error::Result<Compiled> {
        let mut budget = MAX_RULES;
        self.compile_at(path, ctx, 0, &mut budget)
    }

    fn compile_at(
        &self,
        path: &str,
        ctx: &dyn RecordContext,
        depth: usize,
        budget: &mut usize,
    ) -> crate::error::Result<Compiled> {
        if depth > MAX_DEPTH {
            return Err(crate::Error::invalid(
                path,
                format!("rules nested more than {MAX_DEPTH} levels"),
            ));
        }
        if *budget == 0 {
            return Err(crate::Error::invalid(
                path,
                format!("more than {MAX_RULES} rules"),
            ));
        }
        *budget -= 1;
        let op_name = self.operator.clone().ok_or_else(|| {
            crate::Error::invalid(format!("{path}.operator"), "is required".to_string())
        })?;
        if matches!(op_name.as_str(), "and" | "or" | "not") {
            let rules = self.rules.as_ref().ok_or_else(|| {
                crate::Error::invalid(
                    format!("{path}.rules"),
                    format!("is required with \"{op_name}\""),
                )
            })?;
            let mut out = Vec::new();
            for (i, r) in rules.iter().enumerate() {
                out.push(r.compile_at(&format!("{path}.rules[{i}]"), ctx, depth + 1, budget)?);
            }
            return Ok(match op_name.as_str() {
                "and" => Compiled::All(out),
                "or" => Compiled::Any(out),
                _ => {
                    if out.len() != 1 {
                        return Err(crate::Error::invalid(
                            format!("{path}.rules"),
                            "\"not\" takes exactly one rule",
                        ));
                    }
                    Compiled::Not(Box::new(out.remove(0)))
                }
            });
        }
        if self.rules.is_some() {
            return Err(crate::Error::invalid(
                format!("{path}.operator"),
                format!("only and, or and not take rules, not \"{op_name}\""),
            ));
        }
        let op = match op_name.as_str() {
            "=" => Op::Eq,
            "!=" => Op::Ne,
            ">" => Op::Gt,
            "<" => Op::Lt,
            "<=" => Op::Le,
            ">=" => Op::Ge,
            "startswith" => Op::StartsWith,
            "~" => Op::Match,
            "!~" => Op::NotMatch,
            "exists" => Op::Exists,
            "not_exists" => Op::NotExists,
            "in" => Op::In,
            "not_in" => Op::NotIn,
            other => {
                return Err(crate::Error::invalid(
                    format!("{path}.operator"),
                    format!("\"{other}\" is not an operator; use >, <, <=, >=, =, !=, startswith, ~, !~, and, or, not, exists, not_exists, in, not_in"),
                ))
            }
        };
        let field = self.field.clone().ok_or_else(|| {
            crate::Error::invalid(format!("{path}.field"), "is required".to_string())
        })?;
        let fields = match field.as_str() {
            ".any" => Fields::AnyField,
            ".ipaddr" => many(ADDR_FIELDS),
            ".port" => many(PORT_FIELDS),
            f => match role(f) {
                Some(r) => Fields::Role(r),
                None => match field_group(f).as_slice() {
                    [one] => Fields::One(one.to_string()),
                    group => many(group),
                },
            },
        };
        let opath = format!("{path}.operand");
        let raw = self.operand.clone().unwrap_or(Value::Null);
        if matches!(op, Op::Exists | Op::NotExists) {
            return Ok(Compiled::Test {
                fields,
                op,
                operand: Operand::None,
            });
        }
        if raw.is_null() {
            return Err(crate::Error::invalid(opath, "is required"));
        }
        // Typed operand: {"type": ..., "value": ...}.
        let (kind, value) = match &raw {
            Value::Object(m) if m.contains_key("type") => (
                m.get("type").map(text),
                m.get("value").cloned().unwrap_or(Value::Null),
            ),
            v => (None, v.clone()),
        };
        let bad = |m: String| crate::Error::invalid(opath.clone(), m);
        let operand = match kind.as_deref() {
            Some("ipaddr4") | Some("ipaddr6") => {
                let s = text(&value);
                let net = parse_net(&s)
                    .ok_or_else(|| bad(format!("\"{s}\" is not an IP address or CIDR block")))?;
                let v6 = kind.as_deref() == Some("ipaddr6");
                if net.addr().is_ipv6() != v6 {
                    return Err(bad(format!(
                        "\"{s}\" is not an {} address",
                        kind.unwrap_or_default()
                    )));
                }
                Operand::Nets(vec![net])
            }
            Some("number") => Operand::Number(
                value
                    .as_f64()
                    .or_else(|| text(&value).trim().parse().ok())
                    .ok_or_else(|| bad(format!("{value} is not a number")))?,
            ),
            Some("string") => Operand::Text(text(&value)),
            Some("boolean") => Operand::Bool(match &value {
                Value::Bool(b) => *b,
                v => match text(v).as_str() {
                    "true" => true,
                    "false" => false,
                    other => return Err(bad(format!("\"{other}\" is not a boolean"))),
                },
            }),
            Some("device") if ctx.custom_device(&text(&value)).is_some() => {
                custom_operand(&fields, &op, ctx.custom_device(&text(&value)), &bad)?
            }
            // A discovery id as a bare string on a role field (as ExtraHop's own
            // record links send it).
            None if matches!(fields, Fields::Role(_))
                && value.is_string()
                && ctx.custom_device(&text(&value)).is_some() =>
            {
                custom_operand(&fields, &op, ctx.custom_device(&text(&value)), &bad)?
            }
            Some("device") => {
                let id = text(&value);
                Operand::Nets(to_nets(ctx.device_ips(&id).ok_or_else(|| {
                    bad(format!("no device with discovery id \"{id}\""))
                })?))
            }
            Some("device_group") => {
                let id = text(&value);
                Operand::Nets(to_nets(
                    ctx.group_ips(&id)
                        .ok_or_else(|| bad(format!("no device group {id}")))?,
                ))
            }
            Some("device_filter") => {
                let f: DeviceFilter = serde_json::from_value(value.clone())
                    .map_err(|e| bad(format!("not a device filter: {e}")))?;
                Operand::Nets(to_nets(ctx.filter_ips(&f)?))
            }
            Some("network_locality") => {
                let id = text(&value);
                Operand::Nets(
                    ctx.locality_nets(&id)
                        .ok_or_else(|| bad(format!("no network locality {id}")))?,
                )
            }
            Some("application" | "flowinterface" | "flownetwork" | "object") => {
                return Err(bad(format!(
                    "operand type \"{}\" has no meaning for a software sensor's records",
                    kind.unwrap_or_default()
                )))
            }
            Some(other) => return Err(bad(format!("\"{other}\" is not an operand type"))),
            None => match (&op, &value) {
                (Op::Match | Op::NotMatch, v) => {
                    let p = text(v);
                    Operand::Regex(RegexBuilder::new(&p).size_limit(1 << 20).build().map_err(
                        |e| bad(format!("\"{p}\" is not a valid regular expression: {e}")),
                    )?)
                }
                (Op::In | Op::NotIn, Value::Array(a)) => Operand::Set(a.clone()),
                (_, Value::Number(n)) => Operand::Number(n.as_f64().unwrap_or(f64::NAN)),
                (_, Value::Bool(b)) => Operand::Bool(*b),
                (_, v) => {
                    let s = text(v);
                    // An address operand on an address field compares as an address (CIDR allowed).
                    let addr_field = matches!(&fields, Fields::Many(fs) if fs.iter().all(|f| f.ends_with("Addr")))
                        || matches!(&fields, Fields::Role(_))
                        || matches!(&fields, Fields::One(f) if f.ends_with("Addr"));
                    match parse_net(&s).filter(|_| {
                        addr_field && matches!(op, Op::Eq | Op::Ne | Op::In | Op::NotIn)
                    }) {
                        Some(n) => Operand::Nets(vec![n]),
                        None => Operand::Text(s),
                    }
                }
            },
        };
        if matches!(op, Op::In | Op::NotIn)
            && !matches!(
                operand,
                Operand::Nets(_) | Operand::Set(_) | Operand::Device(_)
            )
        {
            return Err(bad("\"in\" and \"not_in\" take a list, a device, a device group, a device filter or a network locality".into()));
        }
        if matches!(op, Op::Gt | Op::Lt | Op::Le | Op::Ge)
            && !matches!(operand, Operand::Number(_) | Operand::Text(_))
        {
            return Err(bad("comparisons take a number".into()));
        }
        Ok(Compiled::Test {
            fields,
            op,
            operand,
        })
    }
}

/// A custom device operand: only on a role field (`client`, `server`,
/// `sender`, `receiver`), with `=`, `!=`, `in` or `not_in`.
fn custom_operand(
    fields: &Fields,
    op: &Op,
    id: Option<String>,
    bad: &dyn Fn(String) -> crate::Error,
) -> crate::error::Result<Operand> {
    if !matches!(fields, Fields::Role(_)) {
        return Err(bad(
            "a custom device is matched on client, server, sender or receiver".into(),
        ));
    }
    if !matches!(op, Op::Eq | Op::Ne | Op::In | Op::NotIn) {
        return Err(bad(
            "a custom device is compared with =, !=, in or not_in".into()
        ));
    }
    Ok(Operand::Device(id.unwrap_or_default()))
}

/// Whether a record's device field of the role holds the custom device.
fn has_device(rec: &Map<String, Value>, role: &Role, id: &str) -> bool {
    role.devices.iter().any(|f| {
        rec.get(*f)
            .and_then(|d| d.get("value"))
            .and_then(Value::as_array)
            .is_some_and(|ids| ids.iter().any(|v| v.as_str() == Some(id)))
    })
}

fn num_of(v: &Value) -> Option<f64> {
    v.as_f64()
        .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn value_matches(v: &Value, op: &Op, operand: &Operand) -> bool {
    match (op, operand) {
        (Op::Eq | Op::In, Operand::Nets(nets)) => text(v)
            .parse::<IpAddr>()
            .is_ok_and(|ip| nets.iter().any(|n| n.contains(&ip))),
        (Op::Eq, Operand::Text(t)) => text(v) == *t,
        (Op::Eq, Operand::Number(n)) => num_of(v) == Some(*n),
        (Op::Eq, Operand::Bool(b)) => v.as_bool() == Some(*b) || text(v) == b.to_string(),
        (Op::In, Operand::Set(items)) => items
            .iter()
            .any(|i| text(i) == text(v) || (num_of(i).is_some() && num_of(i) == num_of(v))),
        (Op::Gt, o) | (Op::Lt, o) | (Op::Le, o) | (Op::Ge, o) => {
            let rhs = match o {
                Operand::Number(n) => Some(*n),
                Operand::Text(t) => t.parse().ok(),
                _ => None,
            };
            match (num_of(v), rhs) {
                (Some(a), Some(b)) => match op {
                    Op::Gt => a > b,
                    Op::Lt => a < b,
                    Op::Le => a <= b,
                    _ => a >= b,
                },
                _ => false,
            }
        }
        (Op::StartsWith, o) => {
            let t = match o {
                Operand::Text(t) => t.clone(),
                Operand::Number(n) => n.to_string(),
                _ => return false,
            };
            text(v).starts_with(&t)
        }
        (Op::Match, Operand::Regex(r)) => r.is_match(&text(v)),
        _ => false,
    }
}

/// Values a record holds for a field (arrays are spread).
fn values<'a>(rec: &'a Map<String, Value>, fields: &Fields) -> Vec<&'a Value> {
    let mut out = Vec::new();
    let mut push = |v: &'a Value| match v {
        Value::Array(a) => out.extend(a.iter()),
        Value::Null => {}
        v => out.push(v),
    };
    match fields {
        Fields::One(f) => {
            if let Some(v) = rec.get(f) {
                push(v);
            }
        }
        Fields::Role(r) => {
            for f in r.addrs {
                if let Some(v) = rec.get(*f) {
                    push(v);
                }
            }
        }
        Fields::Many(fs) => {
            for f in fs {
                if let Some(v) = rec.get(f) {
                    push(v);
                }
            }
        }
        Fields::AnyField => {
            for v in rec.values() {
                push(v);
            }
        }
    }
    out
}

impl Compiled {
    /// Whether a record's fields match.
    pub fn matches(&self, rec: &Map<String, Value>) -> bool {
        match self {
            Compiled::All(v) => v.iter().all(|c| c.matches(rec)),
            Compiled::Any(v) => v.iter().any(|c| c.matches(rec)),
            Compiled::Not(c) => !c.matches(rec),
            Compiled::Test {
                fields: Fields::Role(f),
                op,
                operand: Operand::Device(id),
            } => has_device(rec, f, id) == matches!(op, Op::Eq | Op::In),
            Compiled::Test {
                fields,
                op,
                operand,
            } => {
                let vals = values(rec, fields);
                match op {
                    Op::Exists => !vals.is_empty(),
                    Op::NotExists => vals.is_empty(),
                    Op::Ne => !vals.iter().any(|v| value_matches(v, &Op::Eq, operand)),
                    Op::NotIn => !vals.iter().any(|v| value_matches(v, &Op::In, operand)),
                    Op::NotMatch => match operand {
                        Operand::Regex(r) => !vals.iter().any(|v| r.is_match(&text(v))),
                        _ => true,
                    },
                    op => vals.iter().any(|v| value_matches(v, op, operand)),
                }
            }
        }
    }

    /// The record fields the filter reads; `None` when it reads them all
    /// (`.any`). A record holding only these fields matches as the whole one does.
    pub fn fields(&self) -> Option<Vec<&str>> {
        let mut out: Vec<&str> = Vec::new();
        let mut stack = vec![self];
        while let Some(c) = stack.pop() {
            match c {
                Compiled::All(v) | Compiled::Any(v) => stack.extend(v.iter()),
                Compiled::Not(c) => stack.push(c),
                Compiled::Test { fields, .. } => match fields {
                    Fields::One(f) => out.push(f),
                    Fields::Role(r) => {
                        out.extend(r.addrs.iter().copied());
                        out.extend(r.devices.iter().copied());
                    }
                    Fields::Many(fs) => out.extend(fs.iter().map(String::as_str)),
                    Fields::AnyField => return None,
                },
            }
        }
        out.sort_unstable();
        out.dedup();
        Some(out)
    }

    /// The top-level conditions the store can answer from indexed columns,
    /// and whether they are the whole filter (then no record needs parsing).
    pub fn sql_terms(&self) -> (Vec<SqlTerm>, bool) {
        match self {
            Compiled::All(v) => {
                let mut terms = Vec::new();
                let mut complete = true;
                for c in v {
                    let (t, all) = c.sql_terms();
                    terms.extend(t);
                    complete &= all;
                }
                (terms, complete)
            }
            Compiled::Test {
                fields,
                op,
                operand,
            } => {
                let names: Vec<&str> = match fields {
                    Fields::One(f) => vec![f.as_str()],
                    Fields::Many(fs) => fs.iter().map(String::as_str).collect(),
                    Fields::Role(r) => r.addrs.to_vec(),
                    Fields::AnyField => return (vec![], false),
                };
                // Every name in the same indexed column (a field and its alias).
                let ends: Option<Vec<(bool, bool)>> = names.iter().map(|n| end_column(n)).collect();
                if let Some(&[(server, port), ref rest @ ..]) = ends.as_deref() {
                    if rest.iter().any(|e| *e != (server, port)) {
                        return (vec![], false);
                    }
                    // The columns hold both ends' names: `senderAddr` alone
                    // is the column's `~flow` rows.
                    let kind = names
                        .iter()
                        .all(|n| n.starts_with("sender") || n.starts_with("receiver"))
                        .then_some("~flow");
                    return match (port, op, operand) {
                        (true, Op::Eq, Operand::Number(n))
                            if n.fract() == 0.0 && *n >= 0.0 && *n <= 65535.0 =>
                        {
                            (
                                vec![SqlTerm::Port {
                                    server,
                                    kind,
                                    port: *n as i64,
                                }],
                                true,
                            )
                        }
                        (false, Op::Eq | Op::In, Operand::Nets(nets)) if nets.len() == 1 => {
                            match nets[0] {
                                IpNet::V4(n) => (
                                    vec![SqlTerm::V4 {
                                        server,
                                        kind,
                                        lo: u32::from(n.network()),
                                        hi: u32::from(n.broadcast()),
                                    }],
                                    true,
                                ),
                                IpNet::V6(_) => (vec![], false),
                            }
                        }
                        _ => (vec![], false),
                    };
                }
                let Some((field, kind)) = name_column(&names) else {
                    return (vec![], false);
                };
                // Exactly what `value_matches` does for a text value: equality
                // of the text, or of numbers for list items that parse as one
                // (those stay with the record-by-record test).
                match (op, operand) {
                    (Op::Eq, Operand::Text(t)) => (
                        vec![SqlTerm::Name {
                            field,
                            kind,
                            any_of: vec![t.clone()],
                        }],
                        true,
                    ),
                    (Op::In, Operand::Set(items))
                        if items
                            .iter()
                            .all(|i| i.as_str().is_some_and(|s| s.parse::<f64>().is_err())) =>
                    {
                        (
                            vec![SqlTerm::Name {
                                field,
                                kind,
                                any_of: items
                                    .iter()
                                    .filter_map(|i| i.as_str().map(str::to_string))
                                    .collect(),
                            }],
                            true,
                        )
                    }
                    (Op::StartsWith, Operand::Text(t)) => (
                        vec![SqlTerm::NamePrefix {
                            field,
                            kind,
                            prefix: t.clone(),
                        }],
                        true,
                    ),
                    _ => (vec![], false),
                }
            }
            _ => (vec![], false),
        }
    }
}

#[cfg(test)]
mod tests;
