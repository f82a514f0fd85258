//! STIX 2.x bundles (JSON): indicators whose STIX pattern compares an
//! `ipv4-addr`, `ipv6-addr`, `domain-name` or `url` value for equality
//! (`[domain-name:value = 'evil.example']`, `… IN ('a', 'b')`), and the
//! cyber-observable objects of those types (top-level SCOs of 2.1, the
//! `objects` of 2.0 `observed-data`).
//!
//! `LIKE` and `MATCHES` comparisons of those values become pattern
//! observables (`crate::patterns`: bounded, compiled with the `regex`
//! crate). Other comparisons (`!=`, `NOT …`), patterns over the limits, and
//! indicators whose pattern is not STIX (`pattern_type` `snort`, `yara`…),
//! are counted as skipped.

use crate::normalize::{address, host_observable, uri_observable};
use crate::patterns::Op;
use crate::{Collected, ParseError};
use serde_json::Value;
use wirewatch_model::threat::Observable;

/// The observable of a cyber-observable object's type and value.
fn of_type(ty: &str, v: &str) -> Option<Option<Observable>> {
    Some(match ty {
        "ipv4-addr" | "ipv6-addr" => address(v),
        "domain-name" | "hostname" => host_observable(v),
        "url" => uri_observable(v),
        _ => return None,
    })
}

/// Read a STIX 2 bundle (`what` names it in errors) into `out`.
pub fn parse(what: &str, bytes: &[u8], out: &mut Collected) -> Result<(), ParseError> {
    let err = |why: String| ParseError::new(what, why);
    let doc: Value =
        serde_json::from_slice(bytes).map_err(|e| err(format!("malformed JSON: {e}")))?;
    let objects = match (&doc["type"], &doc["objects"]) {
        (Value::String(t), Value::Array(list)) if t == "bundle" => list,
        _ => {
            return Err(err(
                "not a STIX 2 bundle: an object with \"type\": \"bundle\" and an \"objects\" array is expected"
                    .into(),
            ))
        }
    };
    for (i, o) in objects.iter().enumerate() {
        let Some(ty) = o["type"].as_str() else {
            return Err(err(format!("objects[{i}]: no \"type\"")));
        };
        match ty {
            "indicator" => {
                let pattern_type = o["pattern_type"].as_str().unwrap_or("stix");
                match o["pattern"].as_str() {
                    Some(p) if pattern_type == "stix" => pattern(p, out)
                        .map_err(|why| err(format!("objects[{i}].pattern: {why}")))?,
                    Some(_) => out.skipped += 1,
                    None => {
                        return Err(err(format!(
                            "objects[{i}]: an indicator without \"pattern\""
                        )))
                    }
                }
            }
            "observed-data" => {
                if let Some(map) = o["objects"].as_object() {
                    for sco in map.values() {
                        sco_value(sco, out);
                    }
                }
            }
            _ => sco_value(o, out),
        }
    }
    Ok(())
}

/// A cyber-observable object of one of the types matched.
fn sco_value(o: &Value, out: &mut Collected) {
    let (Some(ty), Some(v)) = (o["type"].as_str(), o["value"].as_str()) else {
        return;
    };
    if let Some(ob) = of_type(ty, v) {
        out.push(ob);
    }
}

/// The comparisons of a STIX pattern, read left to right: `type:value`,
/// an operator, and a quoted string or a parenthesised list of them.
fn pattern(p: &str, out: &mut Collected) -> Result<(), String> {
    let b = p.as_bytes();
    let mut i = 0;
    let mut found = false;
    while i < b.len() {
        if b[i] == b'\'' {
            // A string not following a comparison we read (skip it whole).
            i = string(p, i)?.1;
            continue;
        }
        let Some(rest) = p.get(i..) else { break };
        let Some((ty, after)) = ["ipv4-addr", "ipv6-addr", "domain-name", "url"]
            .into_iter()
            .find_map(|t| {
                let tail = rest.strip_prefix(t)?.strip_prefix(":value")?;
                let boundary = i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'-');
                boundary.then_some((t, tail))
            })
        else {
            i += p[i..].chars().next().map_or(1, char::len_utf8);
            continue;
        };
        let mut j = p.len() - after.len();
        j += after.len() - after.trim_start().len();
        let tail = &p[j..];
        if let Some(t) = tail.strip_prefix('=') {
            let k = j + 1 + (t.len() - t.trim_start().len());
            if b.get(k) != Some(&b'\'') {
                return Err(format!("{ty}:value = is not followed by a quoted string"));
            }
            let (v, end) = string(p, k)?;
            out.push(of_type(ty, &v).flatten());
            found = true;
            i = end;
        } else if tail.get(..2).is_some_and(|t| t.eq_ignore_ascii_case("IN")) {
            let mut k = j + 2;
            k += p[k..].len() - p[k..].trim_start().len();
            if b.get(k) != Some(&b'(') {
                return Err(format!("{ty}:value IN is not followed by a list"));
            }
            k += 1;
            loop {
                k += p[k..].len() - p[k..].trim_start().len();
                match b.get(k) {
                    Some(b'\'') => {
                        let (v, end) = string(p, k)?;
                        out.push(of_type(ty, &v).flatten());
                        k = end;
                    }
                    Some(b',') => k += 1,
                    Some(b')') => break,
                    _ => return Err(format!("{ty}:value IN (…): the list is not closed")),
                }
            }
            found = true;
            i = k + 1;
        } else if let Some((op, len)) = pattern_operator(tail) {
            let mut k = j + len;
            k += p[k..].len() - p[k..].trim_start().len();
            if b.get(k) != Some(&b'\'') {
                return Err(format!(
                    "{ty}:value {} is not followed by a quoted string",
                    &tail[..len]
                ));
            }
            let (v, end) = string(p, k)?;
            out.push_pattern(ty, op, &v);
            found = true;
            i = end;
        } else {
            // Another comparison (!=, NOT LIKE…): not an observable.
            out.skipped += 1;
            i = j;
        }
    }
    if !found && !p.contains('[') {
        return Err("not a STIX pattern (no [ … ] comparison)".into());
    }
    Ok(())
}

/// A `LIKE` or `MATCHES` operator at the start of `tail`, and its length.
fn pattern_operator(tail: &str) -> Option<(Op, usize)> {
    [("LIKE", Op::Like), ("MATCHES", Op::Matches)]
        .into_iter()
        .find_map(|(word, op)| {
            let head = tail.get(..word.len())?;
            let next = tail[word.len()..].chars().next();
            (head.eq_ignore_ascii_case(word)
                && next.is_some_and(|c| c.is_whitespace() || c == '\''))
            .then_some((op, word.len()))
        })
}

/// The quoted string starting at `start` (a `'`), unescaped, and the index after it.
fn string(p: &str, start: usize) -> Result<(String, usize), String> {
    let mut s = String::new();
    let mut chars = p[start + 1..].char_indices();
    while let Some((k, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, e)) => s.push(e),
                None => break,
            },
            '\'' => return Ok((s, start + 1 + k + 1)),
            c => s.push(c),
        }
    }
    Err("a quoted string is not closed".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use wirewatch_model::threat::ObservableKind;

    fn values(p: &str) -> Vec<(ObservableKind, String)> {
        let mut c = Collected::default();
        pattern(p, &mut c).unwrap();
        c.into_sorted()
            .into_iter()
            .map(|o| (o.kind, o.value))
            .collect()
    }

    #[test]
    fn comparisons_and_lists() {
        assert_eq!(
            values("[ipv4-addr:value = '198.51.100.7'] OR [domain-name:value='Evil.example']"),
            vec![
                (ObservableKind::Ipaddr, "198.51.100.7".into()),
                (ObservableKind::Hostname, "evil.example".into())
            ]
        );
        assert_eq!(
            values("[url:value IN ('http://a.example/x', 'http://b.example/it\\'s')]").len(),
            2
        );
        assert_eq!(
            values("[ipv4-addr:value = '10.0.0.0/8']")[0].0,
            ObservableKind::Cidr
        );
        assert_eq!(
            values("[domain-name:value LIKE '%.Evil.example'] OR [url:value MATCHES '^https?://x\\\\.example/']"),
            vec![
                (ObservableKind::Pattern, "hostname LIKE %.evil.example".into()),
                (ObservableKind::Pattern, "uri MATCHES ^https?://x\\.example/".into())
            ]
        );
        let mut c = Collected::default();
        pattern(
            "[domain-name:value NOT LIKE 'a%'] AND [url:value MATCHES '(a)\\\\1']",
            &mut c,
        )
        .unwrap();
        assert_eq!(
            c.skipped, 2,
            "NOT LIKE, and a back-reference the regex crate cannot take"
        );
        let mut c = Collected::default();
        assert!(pattern("[url:value = 'http://x", &mut c).is_err());
        assert!(pattern("nonsense", &mut c).is_err());
    }
}
