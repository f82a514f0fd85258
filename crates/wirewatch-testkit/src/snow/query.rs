//! The subset of encoded queries (`sysparm_query`) the fake understands:
//! `field=value`, `field!=value`, `ORDERBYfield`, `ORDERBYDESCfield`, joined
//! by `^`. Anything else is rejected (a real instance would silently ignore
//! an invalid condition and return every record).

use std::collections::HashMap;

use super::{field_index, Kind, Rejection, FIELDS};

/// The Table API's default page size.
const DEFAULT_LIMIT: usize = 10_000;

#[derive(Debug)]
struct Condition {
    field: usize,
    negate: bool,
    value: String,
}

/// A parsed list request.
#[derive(Debug)]
pub(crate) struct Query {
    conditions: Vec<Condition>,
    order: Vec<(usize, bool)>,
    pub(crate) limit: usize,
    pub(crate) offset: usize,
}

fn bad(detail: String) -> Rejection {
    Rejection {
        message: "Invalid query",
        detail,
    }
}

fn column(name: &str) -> Result<usize, Rejection> {
    match field_index(name) {
        Some(i) if !matches!(FIELDS[i].kind, Kind::Journal(_)) => Ok(i),
        _ => Err(bad(format!(
            "Unknown or unsupported field '{name}' in sysparm_query (fake ServiceNow)"
        ))),
    }
}

fn number(
    params: &HashMap<String, String>,
    name: &str,
    default: usize,
) -> Result<usize, Rejection> {
    match params.get(name) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse()
            .map_err(|_| bad(format!("{name} must be a non-negative integer"))),
    }
}

impl Query {
    /// Parses `sysparm_query`, `sysparm_limit` and `sysparm_offset`.
    pub(crate) fn parse(params: &HashMap<String, String>) -> Result<Query, Rejection> {
        let mut query = Query {
            conditions: Vec::new(),
            order: Vec::new(),
            limit: number(params, "sysparm_limit", DEFAULT_LIMIT)?,
            offset: number(params, "sysparm_offset", 0)?,
        };
        let encoded = params.get("sysparm_query").map_or("", String::as_str);
        for term in encoded.split('^').filter(|t| !t.is_empty()) {
            if let Some(name) = term.strip_prefix("ORDERBYDESC") {
                query.order.push((column(name)?, true));
            } else if let Some(name) = term.strip_prefix("ORDERBY") {
                query.order.push((column(name)?, false));
            } else if let Some((name, value)) = term.split_once("!=") {
                query.conditions.push(Condition {
                    field: column(name)?,
                    negate: true,
                    value: value.to_owned(),
                });
            } else if let Some((name, value)) = term.split_once('=') {
                query.conditions.push(Condition {
                    field: column(name)?,
                    negate: false,
                    value: value.to_owned(),
                });
            } else {
                return Err(bad(format!(
                    "Unsupported query term '{term}' (fake ServiceNow supports field=value, field!=value, ORDERBY, ORDERBYDESC joined by ^)"
                )));
            }
        }
        Ok(query)
    }

    /// True when a record's plain values meet every condition.
    pub(crate) fn matches(&self, values: &[String]) -> bool {
        self.conditions
            .iter()
            .all(|c| (values[c.field] == c.value) != c.negate)
    }

    /// Sorts record indexes by the ORDERBY terms (stable: creation order
    /// breaks ties).
    pub(crate) fn sort<'a>(&self, hits: &mut [usize], values: impl Fn(usize) -> &'a [String]) {
        if self.order.is_empty() {
            return;
        }
        hits.sort_by(|&a, &b| {
            let (va, vb) = (values(a), values(b));
            self.order
                .iter()
                .map(|&(f, desc)| {
                    let ord = va[f].cmp(&vb[f]);
                    if desc {
                        ord.reverse()
                    } else {
                        ord
                    }
                })
                .find(|o| o.is_ne())
                .unwrap_or(std::cmp::Ordering::Equal)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(q: &str) -> HashMap<String, String> {
        HashMap::from([("sysparm_query".to_owned(), q.to_owned())])
    }

    #[test]
    fn parses_supported_terms() {
        let q = Query::parse(&params("correlation_id=abc^state!=7^ORDERBYDESCnumber")).unwrap();
        assert_eq!(q.conditions.len(), 2);
        assert_eq!(q.order.len(), 1);
        assert_eq!(q.limit, DEFAULT_LIMIT);
    }

    #[test]
    fn rejects_unknown_fields_and_operators() {
        assert!(Query::parse(&params("nope=1")).is_err());
        assert!(Query::parse(&params("short_descriptionLIKEx")).is_err());
        assert!(Query::parse(&params("work_notes=x")).is_err());
    }
}
