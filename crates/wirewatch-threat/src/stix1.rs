//! STIX 1.0–1.2 packages (XML): the observables of CybOX `Address`,
//! `DomainName`, `Hostname` and `URI` objects, wherever they sit (under an
//! indicator or in the package's `Observables`). Read in one streaming pass.
//!
//! ```xml
//! <cybox:Properties xsi:type="AddressObj:AddressObjectType" category="ipv4-addr">
//!   <AddressObj:Address_Value condition="Equals">198.51.100.7</AddressObj:Address_Value>
//! </cybox:Properties>
//! ```
//!
//! Values given as lists (`##comma##` between them) are split. Conditions
//! other than `Equals` (`Contains`, `StartsWith`…) are not exact
//! observables: they are counted as skipped, as are categories that are no
//! address (`e-mail`, `mac`…).

use crate::normalize::{address, host_observable, uri_observable};
use crate::{Collected, ParseError};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// Deepest element nesting read (STIX packages nest about 10 deep).
const MAX_DEPTH: usize = 256;

/// The CybOX object whose properties are being read.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Object {
    /// An address of a category that is an IP address or block.
    Address,
    /// An address of another category (`e-mail`, `mac`…).
    OtherAddress,
    Domain,
    Hostname,
    Uri,
    /// A URI object whose type is a domain name.
    UriDomain,
}

/// An attribute without prefix (`category`, `type`, `condition`).
fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.prefix().is_none() && a.key.local_name().as_ref() == name)
        .map(|a| a.value.into_owned())
}

/// The `xsi:type` attribute (whatever the prefix is bound to).
fn xsi_type(e: &BytesStart<'_>) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.prefix().is_some() && a.key.local_name().as_ref() == "type")
        .map(|a| a.value.into_owned())
}

/// The object a `Properties` element opens, from its `xsi:type`.
fn object_of(e: &BytesStart<'_>) -> Option<Object> {
    let ty = xsi_type(e)?;
    let ty = ty.rsplit(':').next().unwrap_or(&ty);
    Some(match ty {
        "AddressObjectType" => match attr(e, "category").as_deref() {
            None | Some("ipv4-addr" | "ipv6-addr" | "cidr" | "ipv4-net" | "ipv6-net") => {
                Object::Address
            }
            Some(_) => Object::OtherAddress,
        },
        "DomainNameObjectType" => Object::Domain,
        "HostnameObjectType" => Object::Hostname,
        "URIObjectType" => match attr(e, "type").as_deref() {
            Some("Domain Name") => Object::UriDomain,
            _ => Object::Uri,
        },
        _ => return None,
    })
}

/// Whether an element holds the value of the object being read.
fn is_value(o: Object, local: &str) -> bool {
    match o {
        Object::Address | Object::OtherAddress => local == "Address_Value",
        Object::Domain | Object::Uri | Object::UriDomain => local == "Value",
        Object::Hostname => local == "Hostname_Value",
    }
}

/// The text of a predefined entity reference (`amp`…) or a character reference.
fn entity(name: &str) -> Option<char> {
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        _ => {
            let n = name.strip_prefix('#')?;
            let code = match n.strip_prefix('x') {
                Some(h) => u32::from_str_radix(h, 16).ok()?,
                None => n.parse().ok()?,
            };
            char::from_u32(code)?
        }
    })
}

/// Read a STIX 1.x package (`what` names it in errors) into `out`.
pub fn parse(what: &str, text: &str, out: &mut Collected) -> Result<(), ParseError> {
    let err = |why: String| ParseError::new(what, why);
    let mut r = Reader::from_str(text);
    r.config_mut().trim_text(true);
    // Element names (local) from the root down.
    let mut stack: Vec<String> = Vec::new();
    // The object being read and the depth of its `Properties` element.
    let mut object: Option<(Object, usize)> = None;
    // The value element being read: its depth, condition and text so far.
    let mut value: Option<(usize, bool, String)> = None;
    let mut root_seen = false;
    loop {
        let ev = r
            .read_event()
            .map_err(|e| err(format!("malformed XML at byte {}: {e}", r.error_position())))?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                let local = e.local_name().as_ref().to_string();
                if !root_seen {
                    root_seen = true;
                    if local != "STIX_Package" && local != "Observables" {
                        return Err(err(format!(
                            "not a STIX 1.x package: the root element is <{local}>, not <STIX_Package>"
                        )));
                    }
                }
                if stack.len() >= MAX_DEPTH {
                    return Err(err(format!("elements nest deeper than {MAX_DEPTH}")));
                }
                if local == "Properties" {
                    if let Some(o) = object_of(e) {
                        object = Some((o, stack.len()));
                    }
                } else if let Some((o, _)) = object {
                    if value.is_none() && is_value(o, &local) {
                        let exact =
                            attr(e, "condition").is_none_or(|c| c.eq_ignore_ascii_case("Equals"));
                        value = Some((stack.len(), exact, String::new()));
                    }
                }
                if empty {
                    if matches!(value, Some((d, _, _)) if d == stack.len()) {
                        value = None;
                    }
                    if matches!(object, Some((_, d)) if d == stack.len()) {
                        object = None;
                    }
                } else {
                    stack.push(local);
                }
            }
            Event::Text(t) => {
                if let Some((_, _, s)) = value.as_mut() {
                    s.push_str(&t.xml10_content());
                }
            }
            Event::CData(t) => {
                if let Some((_, _, s)) = value.as_mut() {
                    s.push_str(&t.into_inner());
                }
            }
            Event::GeneralRef(g) => {
                if let Some((_, _, s)) = value.as_mut() {
                    let name = g.into_inner();
                    let c = entity(&name).ok_or_else(|| err(format!("unknown entity &{name};")))?;
                    s.push(c);
                }
            }
            Event::End(_) => {
                stack.pop();
                let depth = stack.len();
                if matches!(value, Some((d, _, _)) if d == depth) {
                    let (_, exact, text) = value.take().unwrap_or_default();
                    if let Some((o, _)) = object {
                        take_values(o, exact, &text, out);
                    }
                }
                if matches!(object, Some((_, d)) if d == depth) {
                    object = None;
                }
            }
            Event::Eof => {
                if let Some(open) = stack.last() {
                    return Err(err(format!("the document ends inside <{open}>")));
                }
                break;
            }
            _ => {}
        }
    }
    if !root_seen {
        return Err(err("no XML element: not a STIX 1.x package".into()));
    }
    Ok(())
}

/// The observables of one value element (a list when `##comma##` separates values).
fn take_values(o: Object, exact: bool, text: &str, out: &mut Collected) {
    for v in text
        .split("##comma##")
        .map(str::trim)
        .filter(|v| !v.is_empty())
    {
        if !exact || o == Object::OtherAddress {
            out.skipped += 1;
            continue;
        }
        let ob = match o {
            Object::Address => address(v),
            Object::Domain | Object::Hostname | Object::UriDomain => host_observable(v),
            Object::Uri => uri_observable(v),
            Object::OtherAddress => None,
        };
        out.push(ob);
    }
}
