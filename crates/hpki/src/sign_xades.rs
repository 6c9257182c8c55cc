//! A deterministic enveloped XAdES-BES signature (ETSI EN 319 132-1) in a CDA letter, for tests
//! and the drill region's letters, as [`crate::sign`] is for CAdES: the same letter, key,
//! certificate and time give the same bytes.
//!
//! What is written (XMLDSig 1.1; [`crate::xades`] checks the same):
//! - a `ds:Signature` as the last child of the document element, with nothing else added, so the
//!   letter without it is the letter as given;
//! - SignedInfo, exclusive C14N 1.0, RSA-SHA256 (PKCS#1 v1.5, deterministic), two references with
//!   SHA-256: `""` (enveloped-signature, then exclusive C14N) and `"#…-signed-properties"`
//!   (exclusive C14N, Type …#SignedProperties, as EN 319 132-1 §6.3 asks);
//! - KeyInfo with the signer's certificate first, then `chain`;
//! - the XAdES SignedProperties: SigningTime (UTC, to the second) and SigningCertificateV2 with the
//!   certificate's SHA-256.
//!
//! Exclusive C14N renders an element from its own subtree and the prefixes it uses, so SignedInfo
//! and SignedProperties are canonicalized here from the fragment being written, before it is put
//! into the letter: the verifier sees the same octets in place.

use openssl::hash::{MessageDigest, hash};
use openssl::pkey::{Id, PKey, Private};
use openssl::x509::X509;
use roxmltree::Node;

use crate::HpkiError;
use crate::xades::{self, C14n, DSIG, ENVELOPED, EXC_C14N, RSA_SHA256, SHA256, XADES};

/// The signature's Id; its SignedProperties' Id is this with `-signed-properties`.
pub const SIGNATURE_ID: &str = "fieldchart-signature";

/// Signs the CDA letter `xml` (UTF-8) with an enveloped XAdES-BES signature as the holder of
/// `cert_der` with `key` (RSA), claiming the signing time `signing_time_unix` (seconds since the
/// Unix epoch), and carries `chain` (the intermediates a verifier needs) in KeyInfo. Returns the
/// signed letter.
pub fn sign_enveloped_xml(
    xml: &[u8],
    cert_der: &[u8],
    key: &PKey<Private>,
    signing_time_unix: i64,
    chain: &[X509],
) -> Result<Vec<u8>, HpkiError> {
    let fail = |what: &str| HpkiError::Signing(what.to_owned());
    let ossl = |e: openssl::error::ErrorStack| HpkiError::Signing(format!("OpenSSL: {e}"));
    if key.id() != Id::RSA {
        return Err(fail(
            "the key is not RSA: only RSA PKCS#1 v1.5 signs deterministically here",
        ));
    }
    let cert = X509::from_der(cert_der)
        .map_err(|_| fail("the signer's certificate (DER) does not read"))?;
    if !cert.public_key().map_err(ossl)?.public_eq(key) {
        return Err(fail("the key is not the one the certificate certifies"));
    }
    let text = std::str::from_utf8(xml).map_err(|_| fail("the letter is not UTF-8"))?;
    let doc = xades::parse(text)
        .map_err(|e| HpkiError::Signing(format!("the letter is not well-formed XML: {e}")))?;
    let properties_id = format!("{SIGNATURE_ID}-signed-properties");
    for n in doc.descendants() {
        if n.tag_name().namespace() == Some(DSIG) && n.tag_name().name() == "Signature" {
            return Err(fail("the letter is already signed"));
        }
        if n.attributes()
            .any(|a| a.value() == SIGNATURE_ID || a.value() == properties_id)
        {
            return Err(fail("the letter already uses the signature's Id"));
        }
    }
    let exclusive = C14n {
        exclusive: true,
        comments: false,
        prefixes: Vec::new(),
    };
    let sha256 = |bytes: &[u8]| -> Result<String, HpkiError> {
        Ok(openssl::base64::encode_block(
            &hash(MessageDigest::sha256(), bytes).map_err(ossl)?,
        ))
    };
    let letter_digest = sha256(&xades::canonicalize(doc.root(), None, &exclusive, false))?;

    let signing_time = time::OffsetDateTime::from_unix_timestamp(signing_time_unix)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .ok_or_else(|| {
            HpkiError::Signing(format!(
                "the signing time {signing_time_unix} is out of range"
            ))
        })?;
    let object = format!(
        "<ds:Object><xades:QualifyingProperties xmlns:xades=\"{XADES}\" Target=\"#{SIGNATURE_ID}\">\
         <xades:SignedProperties Id=\"{properties_id}\"><xades:SignedSignatureProperties>\
         <xades:SigningTime>{signing_time}</xades:SigningTime><xades:SigningCertificateV2>\
         <xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm=\"{SHA256}\"></ds:DigestMethod>\
         <ds:DigestValue>{}</ds:DigestValue></xades:CertDigest></xades:Cert>\
         </xades:SigningCertificateV2></xades:SignedSignatureProperties></xades:SignedProperties>\
         </xades:QualifyingProperties></ds:Object>",
        sha256(cert_der)?
    );
    let properties_digest = sha256(&canonical_in_fragment(&object, "SignedProperties")?)?;

    let signed_info = format!(
        "<ds:SignedInfo><ds:CanonicalizationMethod Algorithm=\"{EXC_C14N}\"></ds:CanonicalizationMethod>\
         <ds:SignatureMethod Algorithm=\"{RSA_SHA256}\"></ds:SignatureMethod>\
         <ds:Reference URI=\"\"><ds:Transforms><ds:Transform Algorithm=\"{ENVELOPED}\"></ds:Transform>\
         <ds:Transform Algorithm=\"{EXC_C14N}\"></ds:Transform></ds:Transforms>\
         <ds:DigestMethod Algorithm=\"{SHA256}\"></ds:DigestMethod>\
         <ds:DigestValue>{letter_digest}</ds:DigestValue></ds:Reference>\
         <ds:Reference Type=\"http://uri.etsi.org/01903#SignedProperties\" URI=\"#{properties_id}\">\
         <ds:Transforms><ds:Transform Algorithm=\"{EXC_C14N}\"></ds:Transform></ds:Transforms>\
         <ds:DigestMethod Algorithm=\"{SHA256}\"></ds:DigestMethod>\
         <ds:DigestValue>{properties_digest}</ds:DigestValue></ds:Reference></ds:SignedInfo>"
    );
    let canonical_si = canonical_in_fragment(&signed_info, "SignedInfo")?;
    let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), key).map_err(ossl)?;
    signer.update(&canonical_si).map_err(ossl)?;
    let value = openssl::base64::encode_block(&signer.sign_to_vec().map_err(ossl)?);

    let mut certificates = format!(
        "<ds:X509Certificate>{}</ds:X509Certificate>",
        openssl::base64::encode_block(cert_der)
    );
    for c in chain {
        certificates.push_str(&format!(
            "<ds:X509Certificate>{}</ds:X509Certificate>",
            openssl::base64::encode_block(&c.to_der().map_err(ossl)?)
        ));
    }
    let signature = format!(
        "<ds:Signature xmlns:ds=\"{DSIG}\" Id=\"{SIGNATURE_ID}\">{signed_info}\
         <ds:SignatureValue>{value}</ds:SignatureValue>\
         <ds:KeyInfo><ds:X509Data>{certificates}</ds:X509Data></ds:KeyInfo>{object}</ds:Signature>"
    );

    // The last child of the document element: before its end tag, or in place of an empty
    // element's "/>".
    let root = doc.root_element();
    let element = text.get(root.range()).unwrap_or("");
    let signed = if element.ends_with("/>") {
        let at = root.range().end - 2;
        let name = element
            .get(1..)
            .and_then(|r| {
                r.split(|c: char| c.is_ascii_whitespace() || c == '/')
                    .next()
            })
            .unwrap_or("");
        format!(
            "{}>{signature}</{name}>{}",
            &text[..at],
            &text[root.range().end..]
        )
    } else {
        let at = root.range().start
            + element
                .rfind("</")
                .ok_or_else(|| fail("the document element has no end tag"))?;
        format!("{}{signature}{}", &text[..at], &text[at..])
    };
    Ok(signed.into_bytes())
}

/// The exclusive canonical form of the element `local` (in the ds or XAdES namespace) in the
/// fragment `xml`, read inside a `ds:Signature` that declares the ds prefix.
fn canonical_in_fragment(xml: &str, local: &str) -> Result<Vec<u8>, HpkiError> {
    let wrapped = format!("<ds:Signature xmlns:ds=\"{DSIG}\">{xml}</ds:Signature>");
    let doc = xades::parse(&wrapped)
        .map_err(|e| HpkiError::Signing(format!("the signature does not read back: {e}")))?;
    let node: Node = doc
        .descendants()
        .find(|n| n.is_element() && n.tag_name().name() == local)
        .ok_or_else(|| HpkiError::Signing(format!("the signature has no {local}")))?;
    let exclusive = C14n {
        exclusive: true,
        comments: false,
        prefixes: Vec::new(),
    };
    Ok(xades::canonicalize(node, None, &exclusive, false))
}
