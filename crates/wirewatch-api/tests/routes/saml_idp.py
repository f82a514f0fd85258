#!/usr/bin/env python3
"""A SAML 2.0 identity provider for the tests: builds a Response and signs it
with signxml (lxml + cryptography), an implementation independent of the
server's. Reads one JSON object on stdin, prints {"cert": PEM, "response": base64,
"xml": text}. The key pair lives in `dir` (made at first use).

Fields (all optional but `dir`): issuer, audience, recipient, destination,
name_id, in_response_to, attributes {name: [values]}, not_on_or_after (seconds
from now), not_before (seconds from now), sign ("assertion" | "response"),
signature_algorithm, digest_algorithm (signxml names), key ("main" | "other"),
assertion_id, attack (a wrapping variant applied after signing).
"""
import base64
import datetime
import json
import os
import sys
import uuid

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import XMLSigner, SignatureMethod, DigestAlgorithm

SAMLP = "urn:oasis:names:tc:SAML:2.0:protocol"
SAML = "urn:oasis:names:tc:SAML:2.0:assertion"
DS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


def key_pair(directory, name):
    key_path = os.path.join(directory, f"{name}.key")
    cert_path = os.path.join(directory, f"{name}.crt")
    if not os.path.exists(key_path):
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"test idp {name}")])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .sign(key, hashes.SHA256())
        )
        with open(key_path, "wb") as f:
            f.write(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
        with open(cert_path, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
    return open(key_path, "rb").read(), open(cert_path, "rb").read().decode()


def instant(offset_s):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=offset_s)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def q(ns, name):
    return "{%s}%s" % (ns, name)


class LegacySigner(XMLSigner):
    """signxml refuses SHA-1 by default; an IdP still signing with it is
    what the server must refuse, so the tests need one."""

    def check_deprecated_methods(self):
        pass


def signer(a):
    return LegacySigner(
        signature_algorithm=SignatureMethod[a.get("signature_algorithm", "RSA_SHA256")],
        digest_algorithm=DigestAlgorithm[a.get("digest_algorithm", "SHA256")],
        c14n_algorithm=EXC_C14N,
    )


def sign(element, a, key, cert):
    """Sign `element` (a root) enveloped, the Signature after its Issuer."""
    issuer = element.find(q(SAML, "Issuer"))
    placeholder = etree.Element(q(DS, "Signature"), nsmap={"ds": DS}, Id="placeholder")
    issuer.addnext(placeholder)
    return signer(a).sign(element, key=key, cert=cert, reference_uri=element.get("ID"))


def build(a):
    key, cert = key_pair(a["dir"], "main")
    other_key, other_cert = key_pair(a["dir"], "other")
    signing_key = other_key if a.get("key") == "other" else key
    signing_cert = other_cert if a.get("key") == "other" else cert
    issuer = a.get("issuer", "https://idp.test/saml")
    acs = a.get("recipient", "https://sensor.example.com/saml/acs")
    irt = a.get("in_response_to")
    aid = a.get("assertion_id", "_a" + uuid.uuid4().hex)

    assertion = etree.Element(
        q(SAML, "Assertion"), nsmap={"saml": SAML}, ID=aid, Version="2.0", IssueInstant=instant(0)
    )
    etree.SubElement(assertion, q(SAML, "Issuer")).text = issuer
    subject = etree.SubElement(assertion, q(SAML, "Subject"))
    etree.SubElement(
        subject, q(SAML, "NameID"), Format="urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified"
    ).text = a.get("name_id", "alice@example.com")
    sc = etree.SubElement(subject, q(SAML, "SubjectConfirmation"), Method="urn:oasis:names:tc:SAML:2.0:cm:bearer")
    scd = etree.SubElement(
        sc,
        q(SAML, "SubjectConfirmationData"),
        Recipient=acs,
        NotOnOrAfter=instant(a.get("not_on_or_after", 300)),
    )
    if irt:
        scd.set("InResponseTo", irt)
    cond = etree.SubElement(
        assertion,
        q(SAML, "Conditions"),
        NotBefore=instant(a.get("not_before", -60)),
        NotOnOrAfter=instant(a.get("not_on_or_after", 300)),
    )
    ar = etree.SubElement(cond, q(SAML, "AudienceRestriction"))
    etree.SubElement(ar, q(SAML, "Audience")).text = a.get(
        "audience", "https://sensor.example.com/saml/metadata"
    )
    authn = etree.SubElement(assertion, q(SAML, "AuthnStatement"), AuthnInstant=instant(0), SessionIndex="_s1")
    ctx = etree.SubElement(authn, q(SAML, "AuthnContext"))
    etree.SubElement(ctx, q(SAML, "AuthnContextClassRef")).text = (
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
    )
    attrs = a.get("attributes", {})
    if attrs:
        st = etree.SubElement(assertion, q(SAML, "AttributeStatement"))
        for name, values in attrs.items():
            at = etree.SubElement(st, q(SAML, "Attribute"), Name=name)
            for v in values:
                etree.SubElement(at, q(SAML, "AttributeValue")).text = v

    response = etree.Element(
        q(SAMLP, "Response"),
        nsmap={"samlp": SAMLP, "saml": SAML},
        ID="_r" + uuid.uuid4().hex,
        Version="2.0",
        IssueInstant=instant(0),
        Destination=a.get("destination", acs),
    )
    if irt:
        response.set("InResponseTo", irt)
    etree.SubElement(response, q(SAML, "Issuer")).text = issuer
    status = etree.SubElement(response, q(SAMLP, "Status"))
    etree.SubElement(status, q(SAMLP, "StatusCode"), Value=a.get("status", "urn:oasis:names:tc:SAML:2.0:status:Success"))

    if a.get("sign", "assertion") == "assertion":
        signed = sign(assertion, a, signing_key, signing_cert)
        response.append(signed)
    elif a["sign"] == "response":
        response.append(assertion)
        response = sign(response, a, signing_key, signing_cert)
    else:
        response.append(assertion)

    attack = a.get("attack")
    if attack == "evil-sibling":
        # XSW: a forged assertion first, the signed one kept after it.
        evil = etree.fromstring(etree.tostring(response.find(q(SAML, "Assertion"))))
        evil.remove(evil.find(q(DS, "Signature")))
        evil.set("ID", "_evil")
        evil.find(q(SAML, "Subject")).find(q(SAML, "NameID")).text = "mallory"
        response.insert(2, evil)
    elif attack == "evil-wrapped":
        # XSW: the signed assertion hidden in Extensions (renamed, so there
        # is one Assertion), a forged one in its place whose Signature is the
        # original (its Reference still names the hidden element's ID).
        signed = response.find(q(SAML, "Assertion"))
        sig = signed.find(q(DS, "Signature"))
        hidden = etree.fromstring(etree.tostring(signed))
        hidden.tag = q("urn:example:hide", "Hidden")
        hidden.remove(hidden.find(q(DS, "Signature")))
        ext = etree.Element(q(SAMLP, "Extensions"))
        ext.append(hidden)
        evil = etree.fromstring(etree.tostring(signed))
        evil.set("ID", "_evil")
        evil.find(q(SAML, "Subject")).find(q(SAML, "NameID")).text = "mallory"
        response.remove(signed)
        response.insert(1, ext)
        response.append(evil)
    elif attack == "signature-elsewhere":
        # The assertion's signature moved out of it, into the Response
        # (still referencing the assertion, whose content is unchanged).
        signed = response.find(q(SAML, "Assertion"))
        sig = signed.find(q(DS, "Signature"))
        signed.remove(sig)
        response.insert(1, sig)

    xml = etree.tostring(response, xml_declaration=True, encoding="UTF-8").decode()
    return {"cert": cert, "response": base64.b64encode(xml.encode()).decode(), "xml": xml}


if __name__ == "__main__":
    print(json.dumps(build(json.load(sys.stdin))))
