//! Checking a SAML 2.0 `Response` posted to the assertion consumer service
//! (HTTP-POST binding).
//!
//! The XML signature is verified by `bergshamra-dsig` (XML-DSig, exclusive
//! c14n) with only the IdP's configured certificate (keys in the document's
//! `KeyInfo` are never trusted). Around it, this module is strict about the
//! document's shape, so that what it reads is what was signed:
//!
//! - no DOCTYPE (so no entities), no comments, no processing instructions,
//!   no CDATA (the NameID truncation tricks), at most 32 levels deep;
//! - the root is a `samlp:Response` with exactly one `saml:Assertion`, a
//!   direct child, and no `EncryptedAssertion` (not supported);
//! - a signature counts only when it is enveloped in (a direct child of)
//!   the element its single `Reference` points to, that element is the
//!   Assertion or the Response, its transforms are enveloped-signature and
//!   exclusive c14n only, and its algorithms are RSA or ECDSA with SHA-256,
//!   -384 or -512 (SHA-1 is refused: collisions are practical and every IdP
//!   in use today signs with SHA-256);
//! - every value is read from that one Assertion (or the Response that holds
//!   it), by namespace and position, never by searching the document.
//!
//! Then the SAML rules: Issuer, Destination, Status, Audience, the time
//! window (with [`SKEW_MS`]), the bearer SubjectConfirmation's Recipient,
//! NotOnOrAfter and InResponseTo. Replay (the assertion's ID) and the
//! pending request are the caller's, who keeps the state.

use base64::Engine as _;
use bergshamra_dsig::{DsigContext, VerifyResult};
use quick_xml::events::Event;
use std::collections::BTreeMap;
use uppsala::{Document, NodeId};

/// The SAML 2.0 assertion namespace.
pub const NS_ASSERTION: &str = "urn:oasis:names:tc:SAML:2.0:assertion";
/// The SAML 2.0 protocol namespace.
pub const NS_PROTOCOL: &str = "urn:oasis:names:tc:SAML:2.0:protocol";
const NS_DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const STATUS_SUCCESS: &str = "urn:oasis:names:tc:SAML:2.0:status:Success";
const BEARER: &str = "urn:oasis:names:tc:SAML:2.0:cm:bearer";
const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
const SIGNATURE_METHODS: &[&str] = &[
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
];
const DIGEST_METHODS: &[&str] = &[
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
];

/// Clock skew allowed between the IdP and this sensor (ms).
pub const SKEW_MS: i64 = 3 * 60 * 1000;
/// Largest `SAMLResponse` accepted (decoded XML, bytes).
pub const MAX_RESPONSE: usize = 256 * 1024;
const MAX_DEPTH: usize = 32;
const MAX_ATTRIBUTES: usize = 256;
const MAX_VALUES: usize = 1024;

/// What the Response must say, from the IdP's configuration and this SP's.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// The IdP's entityID (the Issuer).
    pub idp_entity_id: &'a str,
    /// The IdP's signing certificate, PEM.
    pub certificate_pem: &'a str,
    /// This SP's entityID (the Audience).
    pub sp_entity_id: &'a str,
    /// This SP's ACS URL (Destination and Recipient).
    pub acs_url: &'a str,
    /// The AuthnRequest this answers (`None`: only an unsolicited response,
    /// one without InResponseTo, is accepted).
    pub in_response_to: Option<&'a str>,
    /// Now (ms since the epoch).
    pub now_ms: i64,
}

/// A Response that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    /// The assertion's ID (for the replay cache).
    pub assertion_id: String,
    /// Until when the assertion may be used (ms): the replay cache keeps its
    /// ID that long.
    pub valid_until_ms: i64,
    /// The Subject's NameID.
    pub name_id: String,
    /// The AttributeStatement's attributes: name (and FriendlyName) → values.
    pub attributes: BTreeMap<String, Vec<String>>,
}

/// Why a Response was refused (the message is safe to show).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

fn refused<T>(m: impl Into<String>) -> Result<T, Refused> {
    Err(Refused(m.into()))
}

/// The XML of a posted `SAMLResponse` (base64, whitespace allowed).
pub fn decode(b64: &str) -> Result<String, Refused> {
    let clean: String = b64.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    if clean.len() > MAX_RESPONSE / 3 * 4 + 4 {
        return refused(format!("SAMLResponse is larger than {MAX_RESPONSE} bytes"));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(clean.as_bytes())
        .map_err(|_| Refused("SAMLResponse is not base64".into()))?;
    String::from_utf8(bytes).map_err(|_| Refused("SAMLResponse is not UTF-8 XML".into()))
}

/// What a Response says before it is verified: its Issuer and InResponseTo
/// (to find the IdP and the pending request). Nothing here is trusted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Envelope {
    pub issuer: Option<String>,
    pub in_response_to: Option<String>,
}

/// Refuse what the strict profile does not allow (see the module's
/// documentation) and read the [`Envelope`].
pub fn screen(xml: &str) -> Result<Envelope, Refused> {
    if xml.len() > MAX_RESPONSE {
        return refused(format!("SAMLResponse is larger than {MAX_RESPONSE} bytes"));
    }
    let mut r = quick_xml::NsReader::from_str(xml);
    let mut depth = 0usize;
    let mut env = Envelope::default();
    let mut assertions = 0;
    let mut in_response_issuer = false;
    let mut seen_root = false;
    loop {
        let ev = r
            .read_event()
            .map_err(|e| Refused(format!("SAMLResponse is not well-formed XML: {e}")))?;
        match ev {
            Event::DocType(_) => return refused("SAMLResponse must not have a DOCTYPE"),
            Event::Comment(_) => return refused("SAMLResponse must not contain comments"),
            Event::PI(_) => {
                return refused("SAMLResponse must not contain processing instructions")
            }
            Event::CData(_) => return refused("SAMLResponse must not contain CDATA sections"),
            Event::Start(ref e) | Event::Empty(ref e) => {
                let (ns, local) = r.resolver().resolve_element(e.name());
                let ns = match ns {
                    quick_xml::name::ResolveResult::Bound(n) => {
                        String::from_utf8_lossy(n.as_ref()).into_owned()
                    }
                    _ => String::new(),
                };
                let local = String::from_utf8_lossy(local.as_ref()).into_owned();
                if !seen_root {
                    seen_root = true;
                    if ns != NS_PROTOCOL || local != "Response" {
                        return refused("SAMLResponse's root element must be a samlp:Response");
                    }
                    env.in_response_to = e
                        .try_get_attribute("InResponseTo")
                        .ok()
                        .flatten()
                        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()));
                }
                if ns == NS_ASSERTION && local == "Assertion" {
                    assertions += 1;
                }
                if local == "EncryptedAssertion" || local == "EncryptedID" {
                    return refused(
                        "encrypted assertions are not supported: configure the IdP to sign, not encrypt, its assertions",
                    );
                }
                in_response_issuer = depth == 1 && ns == NS_ASSERTION && local == "Issuer";
                if matches!(ev, Event::Start(_)) {
                    depth += 1;
                    if depth > MAX_DEPTH {
                        return refused("SAMLResponse is nested too deeply");
                    }
                }
            }
            Event::Text(t) if in_response_issuer => {
                let t = t
                    .decode()
                    .map_err(|_| Refused("SAMLResponse has an undecodable Issuer".into()))?;
                env.issuer
                    .get_or_insert_with(String::new)
                    .push_str(t.as_ref());
            }
            Event::GeneralRef(_) if in_response_issuer => {
                // `&amp;` and the like in the Issuer: read it from the DOM later.
                env.issuer = None;
                in_response_issuer = false;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                in_response_issuer = false;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !seen_root {
        return refused("SAMLResponse is empty");
    }
    if assertions != 1 {
        return refused(format!(
            "SAMLResponse must carry exactly one Assertion (it has {assertions})"
        ));
    }
    env.issuer = env.issuer.map(|s| s.trim().to_string());
    Ok(env)
}

fn children(doc: &Document<'_>, parent: NodeId, ns: &str, name: &str) -> Vec<NodeId> {
    doc.child_elements_by_name_ns(parent, ns, name)
}

/// The one child `ns:name` of `parent` (`Ok(None)` when absent; refused
/// when repeated).
fn one(
    doc: &Document<'_>,
    parent: NodeId,
    ns: &str,
    name: &str,
) -> Result<Option<NodeId>, Refused> {
    let c = children(doc, parent, ns, name);
    if c.len() > 1 {
        return refused(format!("more than one {name} element"));
    }
    Ok(c.first().copied())
}

fn required(doc: &Document<'_>, parent: NodeId, ns: &str, name: &str) -> Result<NodeId, Refused> {
    one(doc, parent, ns, name)?.ok_or_else(|| Refused(format!("no {name} element")))
}

fn text(doc: &Document<'_>, id: NodeId) -> String {
    doc.text_content_deep(id).trim().to_string()
}

fn attr<'d>(doc: &'d Document<'_>, id: NodeId, name: &str) -> Option<&'d str> {
    doc.get_attribute(id, name)
}

/// An `xs:dateTime` in UTC (`Z` or an offset) as ms since the epoch.
pub fn parse_instant(s: &str) -> Option<i64> {
    let t = time::OffsetDateTime::parse(s.trim(), &time::format_description::well_known::Rfc3339)
        .ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

fn instant(doc: &Document<'_>, id: NodeId, name: &str, what: &str) -> Result<Option<i64>, Refused> {
    match attr(doc, id, name) {
        None => Ok(None),
        Some(v) => parse_instant(v)
            .map(Some)
            .ok_or_else(|| Refused(format!("{what} {name} is not an xs:dateTime: {v:?}"))),
    }
}

/// Which element a signature validly covers, after the algorithm, transform
/// and position rules; `Err` says why the signature does not count.
fn covered(
    doc: &Document<'_>,
    sig: NodeId,
    refs: &[bergshamra_dsig::VerifiedReference],
) -> Result<NodeId, String> {
    let signed_info = one(doc, sig, NS_DSIG, "SignedInfo")
        .map_err(|e| e.0)?
        .ok_or("no SignedInfo")?;
    let c14n = one(doc, signed_info, NS_DSIG, "CanonicalizationMethod")
        .map_err(|e| e.0)?
        .and_then(|n| attr(doc, n, "Algorithm"));
    if c14n != Some(EXC_C14N) {
        return Err(format!(
            "its CanonicalizationMethod is {c14n:?}, not exclusive c14n ({EXC_C14N})"
        ));
    }
    let method = one(doc, signed_info, NS_DSIG, "SignatureMethod")
        .map_err(|e| e.0)?
        .and_then(|n| attr(doc, n, "Algorithm"));
    if !method.is_some_and(|m| SIGNATURE_METHODS.contains(&m)) {
        return Err(format!(
            "its SignatureMethod {method:?} is not accepted (RSA or ECDSA with SHA-256, -384 or -512)"
        ));
    }
    let references = children(doc, signed_info, NS_DSIG, "Reference");
    if references.len() != 1 || refs.len() != 1 {
        return Err("it must have exactly one Reference".into());
    }
    let reference = references[0];
    let digest = one(doc, reference, NS_DSIG, "DigestMethod")
        .map_err(|e| e.0)?
        .and_then(|n| attr(doc, n, "Algorithm"));
    if !digest.is_some_and(|d| DIGEST_METHODS.contains(&d)) {
        return Err(format!(
            "its DigestMethod {digest:?} is not accepted (SHA-256, -384 or -512)"
        ));
    }
    if let Some(transforms) = one(doc, reference, NS_DSIG, "Transforms").map_err(|e| e.0)? {
        for t in doc.children(transforms) {
            if doc.element(t).is_none() {
                continue;
            }
            let alg = attr(doc, t, "Algorithm");
            if !matches!(alg, Some(ENVELOPED) | Some(EXC_C14N)) {
                return Err(format!(
                    "its transform {alg:?} is not accepted (enveloped-signature and exclusive c14n only)"
                ));
            }
        }
    }
    let target = refs[0]
        .resolved_node
        .filter(|_| refs[0].digest_verified)
        .ok_or("its Reference is not to this document")?;
    let uri = attr(doc, reference, "URI").unwrap_or("");
    let id = attr(doc, target, "ID").unwrap_or("");
    if id.is_empty() || uri != format!("#{id}") {
        return Err("its Reference must name the signed element's ID".into());
    }
    if doc.parent(sig) != Some(target) {
        return Err("it must be enveloped in the element it signs".into());
    }
    Ok(target)
}

/// Verify a Response's signatures with the IdP's certificate: the element
/// signed (the Assertion or the Response holding it), or why none counts.
fn verify_signature(
    doc: &Document<'_>,
    xml: &str,
    certificate_pem: &str,
    response: NodeId,
    assertion: NodeId,
) -> Result<(), Refused> {
    let key = bergshamra_keys::loader::load_x509_cert_pem(certificate_pem.as_bytes())
        .map_err(|e| Refused(format!("the IdP's signing certificate cannot be used: {e}")))?;
    let mut keys = bergshamra_keys::KeysManager::new();
    keys.add_key(key);
    let mut ctx = DsigContext::new(keys);
    ctx.trusted_keys_only = true;
    ctx.strict_verification = true;
    ctx.require_reference_digests = true;
    // The certificate is the IdP's configured key, not a CA chain: its
    // dates are not the assertion's validity (many IdPs sign with an
    // expired self-signed certificate, and metadata pins it).
    ctx.skip_time_checks = true;
    if doc
        .get_elements_by_tag_name_ns(NS_DSIG, "Signature")
        .is_empty()
    {
        return refused(
            "the Response is not signed (neither it nor its Assertion has a Signature)",
        );
    }
    let results = bergshamra_dsig::verify::verify_all_document_with_source(&ctx, doc, Some(xml))
        .map_err(|e| Refused(format!("the signature cannot be checked: {e}")))?;
    let mut why = Vec::new();
    for r in results {
        match r {
            VerifyResult::Valid {
                signature_node,
                references,
                ..
            } => match covered(doc, signature_node, &references) {
                Ok(t) if t == assertion || t == response => return Ok(()),
                Ok(_) => why
                    .push("a signature covers neither the Assertion nor the Response".to_string()),
                Err(m) => why.push(format!("a signature does not count: {m}")),
            },
            VerifyResult::Invalid { reason } => {
                why.push(format!("a signature is invalid: {reason}"))
            }
        }
    }
    refused(format!(
        "the Response's signature does not verify with the IdP's signing certificate ({})",
        why.join("; ")
    ))
}

/// Check a Response (the XML of `SAMLResponse`) against what is expected.
pub fn verify(xml: &str, exp: &Expected<'_>) -> Result<Verified, Refused> {
    screen(xml)?;
    let doc = uppsala::parse(xml)
        .map_err(|e| Refused(format!("SAMLResponse is not well-formed XML: {e}")))?;
    let response = doc
        .document_element()
        .ok_or_else(|| Refused("SAMLResponse is empty".into()))?;
    let assertion = required(&doc, response, NS_ASSERTION, "Assertion")
        .map_err(|_| Refused("the Assertion must be a direct child of the Response".into()))?;
    verify_signature(&doc, xml, exp.certificate_pem, response, assertion)?;
    check(&doc, response, assertion, exp)
}

/// The SAML rules, on a document whose signature was verified.
fn check(
    doc: &Document<'_>,
    response: NodeId,
    assertion: NodeId,
    exp: &Expected<'_>,
) -> Result<Verified, Refused> {
    let now = exp.now_ms;
    // The Response.
    if attr(doc, response, "Version") != Some("2.0") {
        return refused("the Response's Version is not 2.0");
    }
    if let Some(d) = attr(doc, response, "Destination") {
        if d != exp.acs_url {
            return refused(format!(
                "the Response's Destination {d:?} is not this sensor's ACS URL {:?}",
                exp.acs_url
            ));
        }
    }
    if let Some(i) = one(doc, response, NS_ASSERTION, "Issuer")? {
        if text(doc, i) != exp.idp_entity_id {
            return refused("the Response's Issuer is not the IdP's entity ID");
        }
    }
    let status = required(doc, response, NS_PROTOCOL, "Status")?;
    let code = required(doc, status, NS_PROTOCOL, "StatusCode")?;
    let value = attr(doc, code, "Value").unwrap_or("");
    if value != STATUS_SUCCESS {
        let message = one(doc, status, NS_PROTOCOL, "StatusMessage")?
            .map(|m| format!(": {}", text(doc, m)))
            .unwrap_or_default();
        return refused(format!(
            "the IdP did not log the user in ({value}{message})"
        ));
    }
    let response_irt = attr(doc, response, "InResponseTo");
    match (response_irt, exp.in_response_to) {
        (Some(got), Some(want)) if got == want => {}
        (None, _) => {}
        (Some(_), _) => {
            return refused("the Response's InResponseTo is not the request this login started")
        }
    }

    // The Assertion.
    if attr(doc, assertion, "Version") != Some("2.0") {
        return refused("the Assertion's Version is not 2.0");
    }
    let assertion_id = attr(doc, assertion, "ID").unwrap_or("").to_string();
    if assertion_id.is_empty() || assertion_id.len() > 256 {
        return refused("the Assertion has no ID (or one longer than 256 characters)");
    }
    let issuer = required(doc, assertion, NS_ASSERTION, "Issuer")?;
    if text(doc, issuer) != exp.idp_entity_id {
        return refused(format!(
            "the Assertion's Issuer {:?} is not the IdP's entity ID {:?}",
            text(doc, issuer),
            exp.idp_entity_id
        ));
    }

    // Conditions: the time window and the audience.
    let conditions = required(doc, assertion, NS_ASSERTION, "Conditions")?;
    if let Some(nb) = instant(doc, conditions, "NotBefore", "the Conditions'")? {
        if now + SKEW_MS < nb {
            return refused("the Assertion is not valid yet (Conditions NotBefore)");
        }
    }
    let mut valid_until = instant(doc, conditions, "NotOnOrAfter", "the Conditions'")?;
    if valid_until.is_some_and(|t| now - SKEW_MS >= t) {
        return refused("the Assertion has expired (Conditions NotOnOrAfter)");
    }
    let restrictions = children(doc, conditions, NS_ASSERTION, "AudienceRestriction");
    if restrictions.is_empty() {
        return refused("the Assertion has no AudienceRestriction");
    }
    for r in restrictions {
        let ok = children(doc, r, NS_ASSERTION, "Audience")
            .into_iter()
            .any(|a| text(doc, a) == exp.sp_entity_id);
        if !ok {
            return refused(format!(
                "the Assertion's audience is not this sensor (its entity ID {:?})",
                exp.sp_entity_id
            ));
        }
    }

    // The Subject: NameID and the bearer confirmation.
    let subject = required(doc, assertion, NS_ASSERTION, "Subject")?;
    let name_id = text(doc, required(doc, subject, NS_ASSERTION, "NameID")?);
    if name_id.is_empty() {
        return refused("the Assertion's NameID is empty");
    }
    let mut confirmed = None;
    let mut why = "the Assertion has no bearer SubjectConfirmation".to_string();
    for sc in children(doc, subject, NS_ASSERTION, "SubjectConfirmation") {
        if attr(doc, sc, "Method") != Some(BEARER) {
            continue;
        }
        let Some(data) = one(doc, sc, NS_ASSERTION, "SubjectConfirmationData")? else {
            why = "the bearer SubjectConfirmation has no SubjectConfirmationData".into();
            continue;
        };
        if attr(doc, data, "Recipient") != Some(exp.acs_url) {
            why = format!(
                "the SubjectConfirmationData's Recipient {:?} is not this sensor's ACS URL {:?}",
                attr(doc, data, "Recipient").unwrap_or(""),
                exp.acs_url
            );
            continue;
        }
        let Some(until) = instant(doc, data, "NotOnOrAfter", "the SubjectConfirmationData's")?
        else {
            why = "the SubjectConfirmationData has no NotOnOrAfter".into();
            continue;
        };
        if now - SKEW_MS >= until {
            why = "the Assertion has expired (SubjectConfirmationData NotOnOrAfter)".into();
            continue;
        }
        if let Some(nb) = instant(doc, data, "NotBefore", "the SubjectConfirmationData's")? {
            if now + SKEW_MS < nb {
                why = "the SubjectConfirmationData is not valid yet (NotBefore)".into();
                continue;
            }
        }
        match (attr(doc, data, "InResponseTo"), exp.in_response_to) {
            (Some(got), Some(want)) if got == want => {}
            (None, None) => {}
            (Some(_), None) => {
                why = "the Assertion answers a login request this sensor does not know (InResponseTo)".into();
                continue;
            }
            (_, Some(_)) => {
                why = "the SubjectConfirmationData's InResponseTo is not the request this login started".into();
                continue;
            }
        }
        confirmed = Some(until);
        break;
    }
    let Some(until) = confirmed else {
        return refused(why);
    };
    valid_until = Some(valid_until.map_or(until, |v| v.max(until)));

    // An authentication statement, still valid.
    let authn = children(doc, assertion, NS_ASSERTION, "AuthnStatement");
    if authn.is_empty() {
        return refused("the Assertion has no AuthnStatement");
    }
    for a in authn {
        if instant(doc, a, "SessionNotOnOrAfter", "the AuthnStatement's")?
            .is_some_and(|t| now - SKEW_MS >= t)
        {
            return refused("the IdP's session has ended (AuthnStatement SessionNotOnOrAfter)");
        }
    }

    // Attributes.
    let mut attributes: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut count = 0;
    for st in children(doc, assertion, NS_ASSERTION, "AttributeStatement") {
        for a in children(doc, st, NS_ASSERTION, "Attribute") {
            count += 1;
            if count > MAX_ATTRIBUTES {
                return refused(format!(
                    "the Assertion has more than {MAX_ATTRIBUTES} attributes"
                ));
            }
            let values: Vec<String> = children(doc, a, NS_ASSERTION, "AttributeValue")
                .into_iter()
                .take(MAX_VALUES)
                .map(|v| text(doc, v))
                .collect();
            let names = [attr(doc, a, "Name"), attr(doc, a, "FriendlyName")];
            for name in names.into_iter().flatten() {
                attributes
                    .entry(name.to_string())
                    .or_default()
                    .extend(values.iter().cloned());
            }
        }
    }
    Ok(Verified {
        assertion_id,
        valid_until_ms: valid_until.unwrap_or(until) + SKEW_MS,
        name_id,
        attributes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_rfc3339() {
        assert_eq!(parse_instant("1970-01-01T00:00:01Z"), Some(1000));
        assert_eq!(parse_instant("1970-01-01T00:00:01.5Z"), Some(1500));
        assert_eq!(parse_instant("1970-01-01T01:00:01+01:00"), Some(1000));
        assert_eq!(parse_instant("yesterday"), None);
    }

    #[test]
    fn the_screen_refuses_what_the_profile_does_not_allow() {
        let ok = format!(
            r#"<samlp:Response xmlns:samlp="{NS_PROTOCOL}" xmlns:saml="{NS_ASSERTION}" InResponseTo="_r1"><saml:Issuer>https://idp</saml:Issuer><saml:Assertion/></samlp:Response>"#
        );
        assert_eq!(
            screen(&ok).unwrap(),
            Envelope {
                issuer: Some("https://idp".into()),
                in_response_to: Some("_r1".into())
            }
        );
        let cases = [
            (
                "<!DOCTYPE r [<!ENTITY e \"x\">]>".to_string() + &ok,
                "DOCTYPE",
            ),
            (
                ok.replace("<saml:Assertion/>", "<saml:Assertion/><!-- c -->"),
                "comments",
            ),
            (
                ok.replace("<saml:Assertion/>", "<saml:Assertion/><?pi x?>"),
                "processing",
            ),
            (
                ok.replace("https://idp", "<![CDATA[https://idp]]>"),
                "CDATA",
            ),
            (
                ok.replace("<saml:Assertion/>", "<saml:Assertion/><saml:Assertion/>"),
                "exactly one",
            ),
            (ok.replace("<saml:Assertion/>", ""), "exactly one"),
            (
                ok.replace(
                    "<saml:Assertion/>",
                    "<saml:Assertion/><saml:EncryptedAssertion/>",
                ),
                "encrypted",
            ),
            (
                ok.replace("samlp:Response", "samlp:LogoutResponse"),
                "root element",
            ),
            (ok.replace(NS_PROTOCOL, "urn:other"), "root element"),
            ("<a>".to_string(), "root element"),
            (
                ok.replace("<saml:Assertion/>", "<saml:Assertion>"),
                "well-formed",
            ),
            (String::new(), "empty"),
            (ok.replace("<saml:Assertion/>", &"<x>".repeat(40)), "deeply"),
        ];
        for (xml, why) in cases {
            let e = screen(&xml).unwrap_err();
            assert!(e.0.contains(why), "{xml}: {e}");
        }
    }

    #[test]
    fn decode_refuses_non_base64_and_huge_input() {
        assert_eq!(decode("PGEvPg==").unwrap(), "<a/>");
        assert_eq!(decode("PGEv\r\nPg==").unwrap(), "<a/>");
        assert!(decode("<a/>").unwrap_err().0.contains("base64"));
        assert!(decode(&"A".repeat(MAX_RESPONSE * 2))
            .unwrap_err()
            .0
            .contains("larger"));
    }
}
