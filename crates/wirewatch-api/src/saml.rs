//! SAML 2.0: reading an IdP's metadata (entityID, SSO URL, signing
//! certificate), writing this sensor's as a service provider, the
//! AuthnRequest of a login ([`authn`]) and the check of the Response the
//! IdP posts back ([`response`]).

pub mod authn;
pub mod response;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use wirewatch_model::idp::{IdpMetadata, MAX_METADATA};

const REDIRECT: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect";
const POST: &str = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST";

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name.as_bytes())
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// Read an IdP's metadata document: its `EntityDescriptor`'s entityID, the
/// `IDPSSODescriptor`'s SSO location (HTTP-Redirect binding first, then
/// HTTP-POST, then any) and its signing certificate (a `KeyDescriptor` of
/// use `signing` or of no use), as PEM. The error says what is wrong.
pub fn parse_idp_metadata(xml: &str) -> Result<IdpMetadata, String> {
    if xml.len() > MAX_METADATA {
        return Err(format!("is larger than {MAX_METADATA} bytes"));
    }
    let mut r = Reader::from_str(xml);
    r.config_mut().trim_text(true);
    let mut md = IdpMetadata::default();
    let mut sso: Vec<(String, String)> = Vec::new();
    let mut in_idp = false;
    let mut seen_idp = false;
    let mut key_use: Option<Option<String>> = None;
    let mut in_cert = false;
    let mut cert_b64 = String::new();
    let mut depth = 0usize;
    loop {
        let ev = r
            .read_event()
            .map_err(|e| format!("is not well-formed XML: {e}"))?;
        match ev {
            Event::DocType(_) => return Err("must not have a DOCTYPE".into()),
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                if !empty {
                    depth += 1;
                    if depth > 64 {
                        return Err("is nested too deeply".into());
                    }
                }
                match e.local_name().as_ref() {
                    b"EntityDescriptor" if md.entity_id.is_none() => {
                        md.entity_id = attr(e, "entityID");
                    }
                    b"IDPSSODescriptor" => {
                        in_idp = !empty;
                        seen_idp = true;
                    }
                    b"KeyDescriptor" if in_idp && !empty => key_use = Some(attr(e, "use")),
                    b"X509Certificate" if !empty => {
                        in_cert = key_use
                            .as_ref()
                            .is_some_and(|u| u.as_deref().is_none_or(|u| u == "signing"));
                    }
                    b"SingleSignOnService" if in_idp => {
                        if let (Some(b), Some(l)) = (attr(e, "Binding"), attr(e, "Location")) {
                            sso.push((b, l));
                        }
                    }
                    _ => {}
                }
            }
            Event::Text(t) if in_cert => {
                cert_b64.push_str(&t.decode().map_err(|e| format!("cannot be decoded: {e}"))?);
            }
            Event::End(e) => {
                depth = depth.saturating_sub(1);
                match e.local_name().as_ref() {
                    b"IDPSSODescriptor" => in_idp = false,
                    b"KeyDescriptor" => key_use = None,
                    b"X509Certificate" if in_cert => {
                        in_cert = false;
                        if md.signing_certificate.is_none() {
                            md.signing_certificate = Some(pem_of(&cert_b64)?);
                        }
                        cert_b64.clear();
                    }
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if md.entity_id.is_none() {
        return Err("has no EntityDescriptor with an entityID".into());
    }
    if !seen_idp {
        return Err("has no IDPSSODescriptor: it is not an identity provider's metadata".into());
    }
    md.sso_url = [REDIRECT, POST]
        .iter()
        .find_map(|b| sso.iter().find(|(x, _)| x == b))
        .or(sso.first())
        .map(|(_, l)| l.clone());
    Ok(md)
}

/// A PEM certificate from the base64 text of an `X509Certificate` element.
fn pem_of(b64: &str) -> Result<String, String> {
    use base64::Engine as _;
    let clean: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(&clean)
        .map_err(|_| "has an X509Certificate that is not base64".to_string())?;
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).expect("base64 is ASCII"));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    Ok(out)
}

/// This sensor's SAML entityID and assertion consumer service URL, under
/// its public URL.
pub fn sp_urls(public_url: &str) -> (String, String) {
    let base = public_url.trim_end_matches('/');
    (format!("{base}/saml/metadata"), format!("{base}/saml/acs"))
}

/// Escape text for an XML attribute value.
fn escape(s: &str) -> String {
    quick_xml::escape::escape(s).into_owned()
}

/// This sensor's SAML 2.0 service provider metadata: an `EntityDescriptor`
/// with an `SPSSODescriptor` whose assertion consumer service (HTTP-POST) is
/// `acs_url`.
pub fn sp_metadata(entity_id: &str, acs_url: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="{entity}">
  <md:SPSSODescriptor AuthnRequestsSigned="false" WantAssertionsSigned="true" protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:NameIDFormat>urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified</md:NameIDFormat>
    <md:AssertionConsumerService Binding="{POST}" Location="{acs}" index="0" isDefault="true"/>
  </md:SPSSODescriptor>
</md:EntityDescriptor>
"#,
        entity = escape(entity_id),
        acs = escape(acs_url),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const CERT_B64: &str = "MIIBszCCAVmgAwIBAgIUQ2Vy";

    #[test]
    fn idp_metadata_gives_its_entity_id_sso_url_and_signing_certificate() {
        let xml = format!(
            r#"<?xml version="1.0"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#" entityID="https://idp.example.com/saml">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:KeyDescriptor use="encryption"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>AAAA</ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:KeyDescriptor use="signing"><ds:KeyInfo><ds:X509Data><ds:X509Certificate>
      {CERT_B64}
    </ds:X509Certificate></ds:X509Data></ds:KeyInfo></md:KeyDescriptor>
    <md:SingleSignOnService Binding="{POST}" Location="https://idp.example.com/sso/post"/>
    <md:SingleSignOnService Binding="{REDIRECT}" Location="https://idp.example.com/sso/redirect"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#
        );
        let md = parse_idp_metadata(&xml).unwrap();
        assert_eq!(
            md.entity_id.as_deref(),
            Some("https://idp.example.com/saml")
        );
        assert_eq!(
            md.sso_url.as_deref(),
            Some("https://idp.example.com/sso/redirect")
        );
        let pem = md.signing_certificate.unwrap();
        assert!(pem.contains(CERT_B64), "{pem}");
    }

    #[test]
    fn other_documents_are_refused() {
        assert!(parse_idp_metadata("<a>").is_err());
        let sp = sp_metadata("https://s/", "https://s/acs");
        assert!(parse_idp_metadata(&sp)
            .unwrap_err()
            .contains("IDPSSODescriptor"));
        assert!(parse_idp_metadata("<!DOCTYPE x [<!ENTITY a \"b\">]><x/>").is_err());
    }

    #[test]
    fn sp_metadata_escapes_its_values() {
        let x = sp_metadata("https://s/?a=1&b=\"2\"", "https://s/acs");
        assert!(x.contains("entityID=\"https://s/?a=1&amp;b=&quot;2&quot;\""));
    }
}
