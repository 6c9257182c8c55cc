//! An enveloped XAdES signature (XML Signature, W3C XMLDSig 1.1 / RFC 3275) inside a CDA referral
//! letter (HL7J-CDA-002; JAHIS 18-006 for the XAdES profile), checked against the hub's HPKI
//! trust anchors (docs/hpki.md "Checks"):
//!
//! 1. the letter has one `ds:Signature`; none is "unsigned";
//! 2. SignedInfo, canonicalized as its CanonicalizationMethod says, verifies with the key of the
//!    certificate in KeyInfo (XMLDSig §3.2.2; OpenSSL);
//! 3. every Reference's digest, after its transforms, matches (XMLDSig §3.2.1): "" is the whole
//!    letter without the signature (the enveloped-signature transform, §6.6.4), "#id" is exactly
//!    one element carrying that Id; one reference must cover the whole letter ("" or the root
//!    element's Id) with the enveloped transform;
//! 4. when a reference covers the XAdES SignedProperties: their QualifyingProperties' Target
//!    names this signature, the SigningCertificate(V2) digest names the KeyInfo certificate, and
//!    the SigningTime is the signer's claim of time ([`TimeBasis::SigningTime`]);
//! 5. a SignatureTimeStamp (ES-T), when there is one: its token is over the canonical
//!    SignatureValue and from a TSA the hub trusts ([`crate::timestamp`], as CAdES-T); its genTime
//!    is then the time the path is judged at ([`TimeBasis::Timestamp`]);
//! 6. nonRepudiation, the path and the CRLs: the very checks CAdES makes
//!    ([`crate::cades::judge_path`]).
//!
//! It owns the XML side: finding the signature, canonical XML (C14N 1.0 and exclusive C14N 1.0,
//! with and without comments, over the two node sets a same-document reference can select), and
//! the digests. The signature arithmetic and the path are OpenSSL's. It does not resolve external
//! references, or run XPath, XPointer or XSLT transforms; such a signature is invalid with the
//! reason, never silently accepted.
//!
//! SHA-1 (rsa-sha1, the sha1 digest) is refused: the MHLW HPKI CAs issue SHA-256 certificates,
//! and a SHA-1 digest can be forged by a chosen-prefix collision, which is exactly what an
//! altered letter needs.

use std::collections::BTreeMap;

use openssl::bn::BigNum;
use openssl::ecdsa::EcdsaSig;
use openssl::hash::{MessageDigest, hash};
use openssl::pkey::Id;
use openssl::sign::Verifier;
use openssl::stack::Stack;
use openssl::x509::X509;
use roxmltree::{Document, Node, NodeType, ParsingOptions};

use crate::cades::{
    Outcome, TimeBasis, Timestamp, Trust, Verification, judge_path, require_non_repudiation,
    rfc3339,
};
use crate::recheck::Rechecked;
use crate::signer::{Signer, signer_of};
use crate::timestamp::{self, Problem};

pub(crate) const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
pub(crate) const XADES: &str = "http://uri.etsi.org/01903/v1.3.2#";
const EXC_C14N_NS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
const XML_NS: &str = "http://www.w3.org/XML/1998/namespace";
pub(crate) const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";
pub(crate) const C14N: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
pub(crate) const C14N_COMMENTS: &str =
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
pub(crate) const EXC_C14N: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub(crate) const EXC_C14N_COMMENTS: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
pub(crate) const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub(crate) const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";

/// A referral letter, even with embedded images, is far below this; a larger input is refused
/// before it is parsed.
pub const MAX_XML_BYTES: usize = 16 * 1024 * 1024;
/// Bounds the tree roxmltree builds from hostile input.
pub const MAX_XML_NODES: u32 = 500_000;

/// A signer's certificate and its path's CAs; more in KeyInfo is refused.
const MAX_CERTIFICATES: usize = 16;
/// The letter, the SignedProperties, the certificate and attachments; more is refused, since
/// each reference may canonicalize the whole letter.
const MAX_REFERENCES: usize = 32;

/// Why a signature is not accepted; the message is the reason a row shows.
#[derive(Debug, thiserror::Error)]
enum Rejection {
    #[error("the letter is larger than {MAX_XML_BYTES} bytes; it is not read as a signed letter")]
    TooLarge,
    #[error(
        "the letter is not well-formed XML without a DTD ({0}); a signed CDA letter must be, so the signature cannot be checked"
    )]
    NotXml(String),
    #[error("the signature is malformed: {0}")]
    Malformed(String),
    #[error("the letter has {0} signatures; a referral letter has one")]
    SeveralSignatures(usize),
    #[error(
        "SHA-1 is not accepted ({0}): a SHA-1 digest can be forged by a chosen-prefix collision"
    )]
    Sha1(String),
    #[error("the signature uses {0}, which FieldChart does not check")]
    Unsupported(String),
    #[error(
        "the letter was altered after signing, or the signature was made over another letter (the digest of reference {0} does not match)"
    )]
    Altered(String),
    #[error(
        "the signature value does not match SignedInfo: the signature was altered, or made by another key than the certificate's"
    )]
    SignatureValue,
    #[error(
        "possible signature wrapping: reference {0} must name exactly one element, and it names {1}"
    )]
    Wrapping(String, usize),
    #[error(
        "the signature does not cover the whole letter (no reference \"\", or to the root element by its Id, with the enveloped-signature transform)"
    )]
    NotWholeLetter,
    #[error("the signature carries no signer's certificate (KeyInfo/X509Data/X509Certificate)")]
    NoCertificate,
    #[error("the signer's certificate does not read")]
    BadCertificate,
    #[error(
        "the signing certificate named in the signed XAdES properties is not the certificate in KeyInfo (a substituted certificate)"
    )]
    SigningCertificate,
    #[error(
        "the signing time in SignedProperties does not read as an xs:dateTime with a time zone: {0}"
    )]
    SigningTime(String),
    #[error("OpenSSL: {0}")]
    OpenSsl(#[from] openssl::error::ErrorStack),
}

/// Parses `xml` as a signed letter is read: UTF-8, no DTD (a DTD could declare entities and
/// default attributes, which change what C14N sees, C14N 1.0 §2.1; a CDA letter has none), and a
/// bounded node count.
pub(crate) fn parse(text: &str) -> Result<Document<'_>, roxmltree::Error> {
    let options = ParsingOptions {
        allow_dtd: false,
        nodes_limit: MAX_XML_NODES,
        ..ParsingOptions::default()
    };
    Document::parse_with_options(text, options)
}

/// Checks the enveloped XML signature in the CDA letter `xml` against `trust`, at the signed
/// XAdES signing time when SignedProperties is signed, else at `now` (Unix seconds). A letter
/// without a `ds:Signature` is [`Outcome::Unsigned`]; the result has the shape
/// [`crate::verify_detached`]'s has.
pub fn verify_enveloped_xml(xml: &[u8], trust: &Trust, now: i64) -> Verification {
    let signed = match read_signed(xml) {
        Ok(None) => return Verification::unsigned(),
        Ok(Some(s)) => s,
        Err(refused) => {
            let (r, signer) = *refused;
            return Verification::failed(Outcome::Invalid, r.to_string(), signer);
        }
    };
    judge(signed, trust, now)
}

/// The laptop's offline re-check (as [`crate::recheck_detached`] for CAdES): the signature in
/// `xml` is over this letter, by the certificate it carries; no path, no time, no revocation
/// (those are the hub's). The error says why in words for the viewer.
pub fn recheck_enveloped_xml(xml: &[u8]) -> Result<Rechecked, String> {
    match read_signed(xml) {
        Ok(Some(s)) => Ok(Rechecked {
            issuer: s.signer.issuer,
            serial: s.signer.serial,
        }),
        Ok(None) => Err("the letter in this snapshot carries no XML signature".to_owned()),
        Err(refused) => Err(refused.0.to_string()),
    }
}

/// What the XML side established: the signature is over this letter, made with `leaf`'s key.
struct Signed {
    leaf: X509,
    /// The other certificates KeyInfo carries, to help build the path.
    helpers: Vec<X509>,
    signer: Signer,
    /// The signed XAdES SigningTime, Unix seconds.
    signing_time: Option<i64>,
    /// A XAdES SignatureTimeStamp (ES-T): its token (DER) and the canonical SignatureValue element
    /// its message imprint must be the hash of. Checked against the TSAs the hub trusts in
    /// [`judge`]; the laptop's re-check leaves it to the hub.
    stamp: Option<(Vec<u8>, Vec<u8>)>,
    notes: Vec<String>,
}

/// A rejection, with the signer when the certificate read (boxed: a Signer is large).
type Refused = Box<(Rejection, Option<Signer>)>;

/// Reads and checks the signature of `xml` up to the certificate (steps 1 to 4): None when the
/// letter has none; the rejection, with the signer when the certificate read, otherwise.
fn read_signed(xml: &[u8]) -> Result<Option<Signed>, Refused> {
    let refused = |r, signer| Box::new((r, signer));
    if xml.len() > MAX_XML_BYTES {
        return Err(refused(Rejection::TooLarge, None));
    }
    let text = std::str::from_utf8(xml)
        .map_err(|e| refused(Rejection::NotXml(format!("not UTF-8: {e}")), None))?;
    let doc = parse(text).map_err(|e| refused(Rejection::NotXml(e.to_string()), None))?;
    let signatures: Vec<Node> = doc
        .descendants()
        .filter(|n| is(*n, DSIG, "Signature"))
        .collect();
    let signature = match signatures[..] {
        [] => return Ok(None),
        [one] => one,
        _ => {
            return Err(refused(
                Rejection::SeveralSignatures(signatures.len()),
                None,
            ));
        }
    };
    let mut signer = None;
    check_signature(&doc, signature, &mut signer)
        .map(Some)
        .map_err(|r| refused(r, signer))
}

/// Steps 1 to 4 on the one `signature` of `doc`; `signer_out` is set as soon as the
/// certificate reads, so that a later rejection still names the signer.
fn check_signature(
    doc: &Document<'_>,
    signature: Node<'_, '_>,
    signer_out: &mut Option<Signer>,
) -> Result<Signed, Rejection> {
    // An enveloping signature (the letter inside its ds:Object) is another form, whose ""
    // reference would cover nothing of the letter.
    if signature.parent().is_some_and(|p| p.is_root()) {
        return Err(Rejection::Unsupported(
            "an enveloping signature (the signature is the document element)".into(),
        ));
    }
    let signed_info = one_child(signature, DSIG, "SignedInfo")?;
    let signature_value = one_child(signature, DSIG, "SignatureValue")?;

    // The signer's certificate: the first X509Certificate that issued none of the others
    // (XMLDSig §4.5.4 fixes no order within X509Data); the others are path helpers.
    let mut certs = Vec::new();
    if let Some(key_info) = child(signature, DSIG, "KeyInfo") {
        for data in children(key_info, DSIG, "X509Data") {
            for c in children(data, DSIG, "X509Certificate") {
                let der = base64(c).ok_or(Rejection::BadCertificate)?;
                certs.push(X509::from_der(&der).map_err(|_| Rejection::BadCertificate)?);
            }
        }
    }
    if certs.len() > MAX_CERTIFICATES {
        return Err(Rejection::Malformed(format!(
            "KeyInfo carries {} certificates; a signer's path has a few",
            certs.len()
        )));
    }
    // (subject, issuer), DER.
    let names: Vec<_> = certs
        .iter()
        .map(|c| {
            (
                c.subject_name().to_der().ok(),
                c.issuer_name().to_der().ok(),
            )
        })
        .collect();
    // A certificate issued another when another's issuer is its subject (a self-signed one
    // names itself, which does not count).
    let issued_another = |i: usize| {
        names
            .iter()
            .enumerate()
            .any(|(j, (subject, issuer))| j != i && issuer == &names[i].0 && subject != &names[i].0)
    };
    let Some(at) = (0..certs.len())
        .find(|i| !issued_another(*i))
        .or((!certs.is_empty()).then_some(0))
    else {
        return Err(Rejection::NoCertificate);
    };
    let leaf = certs.remove(at);
    certs.insert(0, leaf.clone());
    let leaf_der = leaf.to_der()?;
    let signer = signer_of(&leaf_der).map_err(|_| Rejection::BadCertificate)?;
    *signer_out = Some(signer.clone());

    // XMLDSig §3.2.2: SignedInfo as its CanonicalizationMethod renders it, against the value.
    // Checked before the references, so that an altered SignedInfo is reported as such.
    let c14n = C14n::of(one_child(signed_info, DSIG, "CanonicalizationMethod")?)?;
    let canonical_si = canonicalize(signed_info, None, &c14n, c14n.comments);
    let method = algorithm(one_child(signed_info, DSIG, "SignatureMethod")?)?;
    let value = base64(signature_value)
        .ok_or_else(|| Rejection::Malformed("SignatureValue is not base64".into()))?;
    verify_signature_value(method, &leaf, &canonical_si, &value)?;

    // XMLDSig §3.2.1: every reference.
    let mut covers_letter = false;
    let mut covered = Vec::new();
    let references: Vec<Node> = children(signed_info, DSIG, "Reference").collect();
    if references.len() > MAX_REFERENCES {
        // Each is a canonicalization of up to the whole letter.
        return Err(Rejection::Malformed(format!(
            "SignedInfo has {} references; a signed letter has a few",
            references.len()
        )));
    }
    for reference in references {
        let (target, whole) = check_reference(doc, signature, reference)?;
        covers_letter |= whole;
        covered.push(target);
    }
    if covered.is_empty() {
        return Err(Rejection::Malformed("SignedInfo has no Reference".into()));
    }
    // A signature over only its own properties would "verify" while the letter says anything.
    if !covers_letter {
        return Err(Rejection::NotWholeLetter);
    }

    // XAdES (ETSI EN 319 132-1 §4.3, §5.2): a property counts only when a reference covers it.
    let mut notes = Vec::new();
    let mut signed = covered
        .iter()
        .filter(|n| is(**n, XADES, "SignedProperties") && n.ancestors().any(|a| a == signature));
    let signed_properties = signed.next().copied();
    if signed.next().is_some() {
        return Err(Rejection::Malformed(
            "more than one signed SignedProperties".into(),
        ));
    }
    let mut signing_time = None;
    match signed_properties {
        None => notes.push(
            "the signature has no signed XAdES SignedProperties (a plain XML signature): no \
             signing time or signing certificate is signed, so the certificate is judged at the \
             time of verification"
                .to_owned(),
        ),
        Some(sp) => {
            // QualifyingProperties/@Target names the signature they qualify (EN 319 132-1 §4.3.1):
            // properties written for another signature are not this one's.
            let target = sp
                .parent()
                .filter(|q| is(*q, XADES, "QualifyingProperties"))
                .and_then(|q| q.attribute("Target"));
            if let (Some(target), Some(id)) = (target, signature.attribute("Id"))
                && target.strip_prefix('#') != Some(id)
            {
                return Err(Rejection::Malformed(format!(
                    "the signed XAdES properties qualify the signature \"{target}\", not this one (\"#{id}\")"
                )));
            }
            let ssp = child(sp, XADES, "SignedSignatureProperties");
            if let Some(t) = ssp.and_then(|s| child(s, XADES, "SigningTime")) {
                let text = t.text().unwrap_or("").trim();
                let parsed = time::OffsetDateTime::parse(
                    text,
                    &time::format_description::well_known::Rfc3339,
                )
                .map_err(|_| Rejection::SigningTime(text.into()))?;
                signing_time = Some(parsed.unix_timestamp());
            }
            if !signing_certificate_matches(ssp, &leaf_der)? {
                notes.push(
                    "the signed XAdES properties have no SigningCertificate(V2): the signer's \
                     certificate is bound only by the key that verified"
                        .to_owned(),
                );
            }
        }
    }
    // XAdES ES-T (EN 319 132-1 §5.3): a SignatureTimeStamp over the SignatureValue element,
    // canonicalized as its own CanonicalizationMethod says (inclusive C14N 1.0 when it names none).
    let stamps: Vec<Node> = signature
        .descendants()
        .filter(|n| is(*n, XADES, "SignatureTimeStamp"))
        .collect();
    let stamp = match stamps.first() {
        None => None,
        Some(st) => {
            let c14n = match child(*st, DSIG, "CanonicalizationMethod") {
                Some(m) => C14n::of(m)?,
                None => C14n {
                    exclusive: false,
                    comments: false,
                    prefixes: Vec::new(),
                },
            };
            let token =
                base64(one_child(*st, XADES, "EncapsulatedTimeStamp")?).ok_or_else(|| {
                    Rejection::Malformed("the signature timestamp is not base64".into())
                })?;
            let covered = canonicalize(signature_value, None, &c14n, c14n.comments);
            if stamps.len() > 1 {
                notes.push(format!(
                    "the signature carries {} signature timestamps: the first is used",
                    stamps.len()
                ));
            }
            Some((token, covered))
        }
    };

    let helpers = certs.split_off(1);
    Ok(Signed {
        leaf,
        helpers,
        signer,
        signing_time,
        stamp,
        notes,
    })
}

/// Step 5: nonRepudiation, the path at the signing time and revocation, as for CAdES.
fn judge(signed: Signed, trust: &Trust, now: i64) -> Verification {
    let Signed {
        leaf,
        helpers,
        signer,
        signing_time,
        stamp,
        mut notes,
    } = signed;
    // A trusted timestamp's time, else the signer's claim, else now (as for CAdES-T).
    let stamp = match stamp {
        None => None,
        Some((token, covered)) => {
            let checked = crate::der::read(&token)
                .filter(|(_, rest)| rest.is_empty())
                .map(|(tlv, _)| timestamp::check(tlv, &covered, trust))
                .unwrap_or_else(|| {
                    Err(Problem::Broken(
                        "the signature timestamp does not read as DER".into(),
                    ))
                });
            match checked {
                Ok(s) => Some(s),
                Err(Problem::Broken(reason)) => {
                    return Verification {
                        signing_time: signing_time.map(rfc3339),
                        notes,
                        ..Verification::failed(Outcome::Invalid, reason, Some(signer))
                    };
                }
                Err(Problem::Untrusted(note)) => {
                    notes.push(note);
                    None
                }
            }
        }
    };
    let (at, basis) = match (&stamp, signing_time) {
        (Some(s), _) => (s.time, TimeBasis::Timestamp),
        (None, Some(t)) => (t, TimeBasis::SigningTime),
        (None, None) => (now, TimeBasis::Verification),
    };
    let trusted_time = (basis == TimeBasis::Timestamp).then_some(at);
    let timestamp = stamp.map(|s| Timestamp {
        time: rfc3339(s.time),
        authority: s.authority,
    });
    let signing_time_text = signing_time.map(rfc3339);
    let judged = require_non_repudiation(&signer)
        .map_err(|r| (Outcome::Invalid, r))
        .and_then(|()| {
            let mut untrusted =
                Stack::new().map_err(|e| (Outcome::Invalid, format!("OpenSSL: {e}")))?;
            for c in helpers.iter().chain(&trust.intermediates) {
                untrusted
                    .push(c.clone())
                    .map_err(|e| (Outcome::Invalid, format!("OpenSSL: {e}")))?;
            }
            judge_path(&leaf, &untrusted, trust, at, trusted_time, &mut notes)
        });
    match judged {
        Ok(revocation) => Verification {
            outcome: Outcome::Valid,
            reason: None,
            signer: Some(signer),
            signing_time: signing_time_text,
            time_basis: basis,
            revocation,
            notes,
            timestamp,
        },
        Err((outcome, reason)) => Verification {
            signing_time: signing_time_text,
            time_basis: basis,
            notes,
            ..Verification::failed(outcome, reason, Some(signer))
        },
    }
}

/// Whether SignedSignatureProperties' SigningCertificateV2 (EN 319 132-1 §5.2.2) or
/// SigningCertificate (XAdES 1.3.2 §7.2.2) names `leaf_der`: Ok(true) when one of its Cert
/// digests is the certificate's, Ok(false) when there is neither, Err otherwise.
fn signing_certificate_matches(
    ssp: Option<Node<'_, '_>>,
    leaf_der: &[u8],
) -> Result<bool, Rejection> {
    let named: Vec<Node> = ssp
        .into_iter()
        .flat_map(|s| {
            children(s, XADES, "SigningCertificateV2").chain(children(
                s,
                XADES,
                "SigningCertificate",
            ))
        })
        .flat_map(|sc| children(sc, XADES, "Cert"))
        .collect();
    if named.is_empty() {
        return Ok(false);
    }
    for cert in named {
        let digest = one_child(cert, XADES, "CertDigest")?;
        let md = digest_method(one_child(digest, DSIG, "DigestMethod")?)?;
        let expected = base64(one_child(digest, DSIG, "DigestValue")?)
            .ok_or_else(|| Rejection::Malformed("CertDigest is not base64".into()))?;
        if hash(md, leaf_der)?.as_ref() == expected.as_slice() {
            return Ok(true);
        }
    }
    Err(Rejection::SigningCertificate)
}

/// Digests one Reference and compares it; returns the node it covers and whether that is the
/// whole letter.
fn check_reference<'a, 'i>(
    doc: &'a Document<'i>,
    signature: Node<'a, 'i>,
    reference: Node<'a, 'i>,
) -> Result<(Node<'a, 'i>, bool), Rejection> {
    let Some(uri) = reference.attribute("URI") else {
        return Err(Rejection::Unsupported(
            "a Reference without URI (external data)".into(),
        ));
    };
    let shown = format!("\"{uri}\"");
    let target = if uri.is_empty() {
        doc.root()
    } else if let Some(id) = uri.strip_prefix('#').filter(|id| !id.contains('(')) {
        // An Id must name one element (XMLDSig §4.4.3.3); two are the wrapping attack's shape.
        let named: Vec<Node> = doc
            .descendants()
            .filter(|n| {
                n.is_element()
                    && n.attributes().any(|a| {
                        a.namespace().is_none()
                            && matches!(a.name(), "Id" | "ID" | "id")
                            && a.value() == id
                    })
            })
            .collect();
        match named[..] {
            [one] => one,
            _ => return Err(Rejection::Wrapping(shown, named.len())),
        }
    } else {
        return Err(Rejection::Unsupported(format!("the reference URI {shown}")));
    };

    let mut enveloped = false;
    let mut c14n = None;
    if let Some(transforms) = child(reference, DSIG, "Transforms") {
        for t in children(transforms, DSIG, "Transform") {
            if c14n.is_some() {
                // After C14N the data are octets; a further transform would need a reparse.
                return Err(Rejection::Unsupported(
                    "a transform after canonicalization".into(),
                ));
            }
            match t.attribute("Algorithm") {
                Some(ENVELOPED) => enveloped = true,
                _ => c14n = Some(C14n::of(t)?),
            }
        }
    }
    // XMLDSig §4.4.3.2: a node set left over is rendered with inclusive C14N 1.0.
    let c14n = c14n.unwrap_or(C14n {
        exclusive: false,
        comments: false,
        prefixes: Vec::new(),
    });
    let excluded = enveloped.then_some(signature);
    // Same-document references select node sets without comments (XMLDSig §4.4.3.3), so a
    // WithComments method renders none either.
    let octets = canonicalize(target, excluded, &c14n, false);
    let md = digest_method(one_child(reference, DSIG, "DigestMethod")?)?;
    let expected = base64(one_child(reference, DSIG, "DigestValue")?)
        .ok_or_else(|| Rejection::Malformed("DigestValue is not base64".into()))?;
    if hash(md, &octets)?.as_ref() != expected.as_slice() {
        return Err(Rejection::Altered(shown));
    }
    // The whole letter: "" (the document), or "#id" naming its root element, which a signer that
    // puts an Id on ClinicalDocument writes; either with the enveloped transform. ("#id" leaves
    // out only processing instructions and comments outside the root, which carry no content.)
    let whole = enveloped && (uri.is_empty() || doc.root_element() == target);
    Ok((target, whole))
}

#[derive(Clone, Copy)]
enum SignatureMethod {
    Rsa(MessageDigest),
    Ecdsa(MessageDigest),
}

fn algorithm(method: Node<'_, '_>) -> Result<SignatureMethod, Rejection> {
    let uri = method.attribute("Algorithm").unwrap_or("");
    Ok(match uri {
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" => {
            SignatureMethod::Rsa(MessageDigest::sha256())
        }
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384" => {
            SignatureMethod::Rsa(MessageDigest::sha384())
        }
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512" => {
            SignatureMethod::Rsa(MessageDigest::sha512())
        }
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256" => {
            SignatureMethod::Ecdsa(MessageDigest::sha256())
        }
        "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
        | "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1"
        | "http://www.w3.org/2000/09/xmldsig#dsa-sha1" => return Err(Rejection::Sha1(uri.into())),
        _ => {
            return Err(Rejection::Unsupported(format!(
                "the signature method \"{uri}\""
            )));
        }
    })
}

fn digest_method(method: Node<'_, '_>) -> Result<MessageDigest, Rejection> {
    let uri = method.attribute("Algorithm").unwrap_or("");
    Ok(match uri {
        "http://www.w3.org/2001/04/xmlenc#sha256" => MessageDigest::sha256(),
        "http://www.w3.org/2001/04/xmldsig-more#sha384" => MessageDigest::sha384(),
        "http://www.w3.org/2001/04/xmlenc#sha512" => MessageDigest::sha512(),
        "http://www.w3.org/2000/09/xmldsig#sha1" => return Err(Rejection::Sha1(uri.into())),
        _ => {
            return Err(Rejection::Unsupported(format!(
                "the digest method \"{uri}\""
            )));
        }
    })
}

fn verify_signature_value(
    method: SignatureMethod,
    cert: &X509,
    signed: &[u8],
    value: &[u8],
) -> Result<(), Rejection> {
    let key = cert.public_key()?;
    let (md, der) = match method {
        SignatureMethod::Rsa(md) if key.id() == Id::RSA => (md, value.to_vec()),
        SignatureMethod::Ecdsa(md) if key.id() == Id::EC => {
            // XMLDSig 1.1 §6.4.3 (RFC 4050): the value is r and s, each as long as the order,
            // concatenated; OpenSSL wants the DER of ECDSA-Sig-Value.
            if value.is_empty() || !value.len().is_multiple_of(2) {
                return Err(Rejection::SignatureValue);
            }
            let (r, s) = value.split_at(value.len() / 2);
            let sig =
                EcdsaSig::from_private_components(BigNum::from_slice(r)?, BigNum::from_slice(s)?)?;
            (md, sig.to_der()?)
        }
        _ => {
            return Err(Rejection::Malformed(
                "the SignatureMethod does not fit the certificate's key type".into(),
            ));
        }
    };
    let mut verifier = Verifier::new(md, &key)?;
    verifier.update(signed)?;
    // A malformed value is an OpenSSL error, not a mismatch; both mean the same to the reader.
    match verifier.verify(&der) {
        Ok(true) => Ok(()),
        _ => Err(Rejection::SignatureValue),
    }
}

fn is(n: Node<'_, '_>, ns: &str, name: &str) -> bool {
    n.is_element() && n.tag_name().namespace() == Some(ns) && n.tag_name().name() == name
}

fn children<'a, 'i: 'a>(
    n: Node<'a, 'i>,
    ns: &'a str,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'i>> + 'a {
    n.children().filter(move |c| is(*c, ns, name))
}

fn child<'a, 'i: 'a>(n: Node<'a, 'i>, ns: &'a str, name: &'a str) -> Option<Node<'a, 'i>> {
    children(n, ns, name).next()
}

/// The one child of that name: the XMLDSig schema allows exactly one, and a second is a place
/// to hide a different value from a different reader.
fn one_child<'a, 'i: 'a>(
    n: Node<'a, 'i>,
    ns: &'a str,
    name: &'a str,
) -> Result<Node<'a, 'i>, Rejection> {
    let mut it = children(n, ns, name);
    match (it.next(), it.next()) {
        (Some(one), None) => Ok(one),
        (None, _) => Err(Rejection::Malformed(format!(
            "{} has no {name}",
            n.tag_name().name()
        ))),
        (Some(_), Some(_)) => Err(Rejection::Malformed(format!(
            "{} has more than one {name}",
            n.tag_name().name()
        ))),
    }
}

/// base64Binary content (XML Schema Part 2 §3.2.16), line breaks and spaces allowed.
fn base64(n: Node<'_, '_>) -> Option<Vec<u8>> {
    let compact: String = n
        .text()
        .unwrap_or("")
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if compact.is_empty() {
        return None;
    }
    openssl::base64::decode_block(&compact).ok()
}

/// A canonicalization method: inclusive C14N 1.0 or exclusive C14N 1.0, with or without comments.
pub(crate) struct C14n {
    pub(crate) exclusive: bool,
    pub(crate) comments: bool,
    /// Exclusive C14N's InclusiveNamespaces PrefixList ("#default" is the default namespace, "").
    pub(crate) prefixes: Vec<String>,
}

impl C14n {
    fn of(method: Node<'_, '_>) -> Result<C14n, Rejection> {
        let uri = method.attribute("Algorithm").unwrap_or("");
        let (exclusive, comments) = match uri {
            C14N => (false, false),
            C14N_COMMENTS => (false, true),
            EXC_C14N => (true, false),
            EXC_C14N_COMMENTS => (true, true),
            _ => {
                return Err(Rejection::Unsupported(format!(
                    "the transform or canonicalization \"{uri}\""
                )));
            }
        };
        let prefixes = if exclusive {
            method
                .children()
                .filter(|c| is(*c, EXC_C14N_NS, "InclusiveNamespaces"))
                .filter_map(|c| c.attribute("PrefixList"))
                .flat_map(|l| l.split_ascii_whitespace())
                .map(|p| {
                    if p == "#default" {
                        String::new()
                    } else {
                        p.to_owned()
                    }
                })
                .collect()
        } else {
            Vec::new()
        };
        Ok(C14n {
            exclusive,
            comments,
            prefixes,
        })
    }
}

/// Namespaces an output element rendered, with those its output ancestors did: prefix ("" is
/// the default namespace) → URI.
type Rendered = BTreeMap<String, String>;

/// The canonical form (C14N 1.0 §2; exclusive C14N §3) of the subtree at `apex` (the document
/// node for the whole letter), without the subtree at `excluded` (the enveloped signature).
///
/// Both node sets are whole subtrees less one subtree, so an element's nearest output ancestor
/// is always its parent, and the namespace rule reduces to "declare what differs from what the
/// parent rendered". A walk with an explicit stack, so deep nesting cannot overflow the stack.
pub(crate) fn canonicalize(
    apex: Node<'_, '_>,
    excluded: Option<Node<'_, '_>>,
    c14n: &C14n,
    comments: bool,
) -> Vec<u8> {
    enum Step<'a, 'i> {
        Open(Node<'a, 'i>),
        Close(Node<'a, 'i>),
    }
    let text = apex.document().input_text();
    let mut out = Vec::new();
    let mut rendered: Vec<Rendered> = Vec::new();
    let mut after_document_element = false;
    let mut steps = vec![Step::Open(apex)];
    while let Some(step) = steps.pop() {
        match step {
            Step::Open(n) if Some(n) == excluded => {}
            Step::Open(n) => {
                // C14N 1.0 §2.1: outside the document element, a #xA separates each comment or
                // PI from the document element; text there is not rendered.
                let top = n.parent().is_some_and(|p| p.is_root());
                match n.node_type() {
                    NodeType::Root => {}
                    NodeType::Element => {
                        let parent = rendered.last().cloned().unwrap_or_default();
                        let now = start_tag(&mut out, text, n, n == apex, parent, c14n);
                        rendered.push(now);
                        steps.push(Step::Close(n));
                    }
                    NodeType::Text => {
                        if !top {
                            escape_text(&mut out, n.text().unwrap_or(""));
                        }
                    }
                    NodeType::Comment | NodeType::PI => {
                        if n.is_comment() && !comments {
                            continue;
                        }
                        if top && after_document_element {
                            out.push(b'\n');
                        }
                        if let Some(pi) = n.pi() {
                            out.extend_from_slice(b"<?");
                            out.extend_from_slice(pi.target.as_bytes());
                            if let Some(v) = pi.value.filter(|v| !v.is_empty()) {
                                out.push(b' ');
                                out.extend_from_slice(v.as_bytes());
                            }
                            out.extend_from_slice(b"?>");
                        } else {
                            out.extend_from_slice(b"<!--");
                            out.extend_from_slice(n.text().unwrap_or("").as_bytes());
                            out.extend_from_slice(b"-->");
                        }
                        if top && !after_document_element {
                            out.push(b'\n');
                        }
                    }
                }
                let kids: Vec<Node> = n.children().collect();
                steps.extend(kids.into_iter().rev().map(Step::Open));
            }
            Step::Close(n) => {
                out.extend_from_slice(b"</");
                out.extend_from_slice(qname(text, n).as_bytes());
                out.push(b'>');
                rendered.pop();
                if n.parent().is_some_and(|p| p.is_root()) {
                    after_document_element = true;
                }
            }
        }
    }
    out
}

/// One attribute as C14N sorts and writes it.
struct Attr<'i> {
    namespace: String,
    local: &'i str,
    qname: &'i str,
    value: String,
}

/// Writes `n`'s start tag and returns the namespaces rendered in scope after it.
fn start_tag<'i>(
    out: &mut Vec<u8>,
    text: &'i str,
    n: Node<'_, 'i>,
    is_apex: bool,
    parent: Rendered,
    c14n: &C14n,
) -> Rendered {
    let name = qname(text, n);
    // In scope here, without the xml prefix, which is never declared (C14N 1.0 §4.4 note).
    let in_scope: BTreeMap<&str, String> = n
        .namespaces()
        .filter(|ns| ns.name() != Some("xml"))
        .map(|ns| (ns.name().unwrap_or(""), ns.uri().to_owned()))
        .collect();
    let mut attrs: Vec<Attr<'i>> = n
        .attributes()
        .map(|a| Attr {
            namespace: a.namespace().unwrap_or("").to_owned(),
            local: a.name(),
            qname: text.get(a.range_qname()).unwrap_or(a.name()),
            value: a.value().to_owned(),
        })
        .collect();

    // Which prefixes are candidates for a declaration here.
    let candidates: Vec<&str> = if c14n.exclusive {
        // Exclusive C14N §3: those visibly utilized — the element's own prefix (the default
        // namespace when it has none) and its attributes' prefixes — plus the PrefixList.
        let mut c: Vec<&str> = vec![prefix_of(name)];
        c.extend(
            attrs
                .iter()
                .map(|a| a.qname)
                .filter(|q| q.contains(':'))
                .map(prefix_of)
                .filter(|p| *p != "xml"),
        );
        c.extend(
            in_scope
                .keys()
                .copied()
                .filter(|p| c14n.prefixes.iter().any(|l| l == p)),
        );
        c
    } else {
        // C14N 1.0 §2.3: every namespace in scope, plus the default one if undeclared.
        let mut c: Vec<&str> = in_scope.keys().copied().collect();
        c.push("");
        c
    };
    let mut decls: BTreeMap<&str, &str> = BTreeMap::new();
    for p in candidates {
        let uri = in_scope.get(p).map_or("", String::as_str);
        let before = parent.get(p).map_or("", String::as_str);
        // xmlns="" only undoes a default an output ancestor declared (C14N 1.0 §2.3;
        // exclusive C14N §3); a prefix is never undeclared in XML 1.0.
        let differs = if p.is_empty() {
            uri != before
        } else {
            !uri.is_empty() && uri != before
        };
        if differs {
            decls.insert(p, uri);
        }
    }

    if is_apex && !c14n.exclusive {
        // C14N 1.0 §2.4: the apex of a subtree inherits the xml:* attributes of its ancestors,
        // the nearest first (exclusive C14N §3 drops this).
        for anc in n.ancestors().skip(1).filter(|a| a.is_element()) {
            for a in anc.attributes().filter(|a| a.namespace() == Some(XML_NS)) {
                if !attrs
                    .iter()
                    .any(|s| s.namespace == XML_NS && s.local == a.name())
                {
                    attrs.push(Attr {
                        namespace: XML_NS.to_owned(),
                        local: a.name(),
                        qname: text.get(a.range_qname()).unwrap_or(a.name()),
                        value: a.value().to_owned(),
                    });
                }
            }
        }
    }
    // C14N 1.0 §2.2: namespace declarations first, by prefix; then attributes by namespace
    // URI (none first) and local name.
    attrs.sort_by(|a, b| (&a.namespace, a.local).cmp(&(&b.namespace, b.local)));

    out.push(b'<');
    out.extend_from_slice(name.as_bytes());
    let mut now = parent;
    for (p, uri) in decls {
        out.extend_from_slice(if p.is_empty() { b" xmlns" } else { b" xmlns:" });
        out.extend_from_slice(p.as_bytes());
        out.extend_from_slice(b"=\"");
        escape_attr(out, uri);
        out.push(b'"');
        now.insert(p.to_owned(), uri.to_owned());
    }
    for a in attrs {
        out.push(b' ');
        out.extend_from_slice(a.qname.as_bytes());
        out.extend_from_slice(b"=\"");
        escape_attr(out, &a.value);
        out.push(b'"');
    }
    out.push(b'>');
    now
}

/// The element's name as written, prefix included (C14N keeps prefixes; roxmltree keeps only
/// the expanded name, so it is read from the source).
fn qname<'i>(text: &'i str, n: Node<'_, 'i>) -> &'i str {
    let rest = text.get(n.range().start + 1..).unwrap_or("");
    let end = rest
        .find(|c: char| c.is_ascii_whitespace() || c == '>' || c == '/')
        .unwrap_or(rest.len());
    rest.get(..end).unwrap_or("")
}

fn prefix_of(qname: &str) -> &str {
    qname.split_once(':').map_or("", |(p, _)| p)
}

/// C14N 1.0 §2.3, text nodes.
fn escape_text(out: &mut Vec<u8>, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '>' => out.extend_from_slice(b"&gt;"),
            '\r' => out.extend_from_slice(b"&#xD;"),
            _ => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
}

/// C14N 1.0 §2.3, attribute values.
fn escape_attr(out: &mut Vec<u8>, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.extend_from_slice(b"&amp;"),
            '<' => out.extend_from_slice(b"&lt;"),
            '"' => out.extend_from_slice(b"&quot;"),
            '\t' => out.extend_from_slice(b"&#x9;"),
            '\n' => out.extend_from_slice(b"&#xA;"),
            '\r' => out.extend_from_slice(b"&#xD;"),
            _ => out.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c14n_of(xml: &str, exclusive: bool, apex_name: Option<&str>) -> String {
        let doc = Document::parse(xml).unwrap();
        let apex = match apex_name {
            Some(name) => doc
                .descendants()
                .find(|n| n.tag_name().name() == name)
                .unwrap(),
            None => doc.root(),
        };
        let c = C14n {
            exclusive,
            comments: false,
            prefixes: Vec::new(),
        };
        String::from_utf8(canonicalize(apex, None, &c, false)).unwrap()
    }

    #[test]
    fn attributes_sort_and_empty_elements_open_and_close() {
        // C14N 1.0 §3.3's shape: sorted attributes, expanded empty elements, quotes.
        let xml = r#"<doc xmlns:b="urn:b" xmlns:a="urn:a"><e b:x='1' a:y="2" z="&lt;&#9;"/></doc>"#;
        assert_eq!(
            c14n_of(xml, false, None),
            r#"<doc xmlns:a="urn:a" xmlns:b="urn:b"><e z="&lt;&#x9;" a:y="2" b:x="1"></e></doc>"#
        );
    }

    #[test]
    fn inclusive_subtree_carries_ancestor_namespaces_and_exclusive_only_used_ones() {
        let xml =
            r#"<r xmlns="urn:hl7-org:v3" xmlns:ds="urn:ds" xml:lang="ja"><ds:s><ds:t/></ds:s></r>"#;
        assert_eq!(
            c14n_of(xml, false, Some("s")),
            r#"<ds:s xmlns="urn:hl7-org:v3" xmlns:ds="urn:ds" xml:lang="ja"><ds:t></ds:t></ds:s>"#
        );
        assert_eq!(
            c14n_of(xml, true, Some("s")),
            r#"<ds:s xmlns:ds="urn:ds"><ds:t></ds:t></ds:s>"#
        );
    }

    #[test]
    fn text_is_escaped_and_comments_and_declaration_dropped() {
        let xml = "<?xml version=\"1.0\"?>\n<!--c--><a>x &gt; y &amp; 診療\r\n<!--in--></a>";
        assert_eq!(c14n_of(xml, false, None), "<a>x &gt; y &amp; 診療\n</a>");
    }

    #[test]
    fn comments_are_kept_with_comments_and_separated_outside_the_document_element() {
        let xml = "<!--c--><a><!--in--></a><?pi x?>";
        let doc = Document::parse(xml).unwrap();
        let c = C14n {
            exclusive: false,
            comments: true,
            prefixes: Vec::new(),
        };
        assert_eq!(
            String::from_utf8(canonicalize(doc.root(), None, &c, true)).unwrap(),
            "<!--c-->\n<a><!--in--></a>\n<?pi x?>"
        );
    }

    #[test]
    fn a_default_namespace_is_undeclared_only_below_one() {
        let xml = r#"<a xmlns="urn:x"><b xmlns=""><c/></b></a>"#;
        assert_eq!(
            c14n_of(xml, false, None),
            r#"<a xmlns="urn:x"><b xmlns=""><c></c></b></a>"#
        );
        assert_eq!(
            c14n_of(r#"<a><b xmlns=""/></a>"#, true, None),
            "<a><b></b></a>"
        );
    }

    #[test]
    fn exclusive_c14n_declares_the_prefix_list_as_inclusive_c14n_would() {
        let xml = r#"<r xmlns:a="urn:a" xmlns:b="urn:b"><s><t/></s></r>"#;
        let doc = Document::parse(xml).unwrap();
        let s = doc
            .descendants()
            .find(|n| n.tag_name().name() == "s")
            .unwrap();
        let c = C14n {
            exclusive: true,
            comments: false,
            prefixes: vec!["b".into()],
        };
        assert_eq!(
            String::from_utf8(canonicalize(s, None, &c, false)).unwrap(),
            r#"<s xmlns:b="urn:b"><t></t></s>"#
        );
    }

    #[test]
    fn an_excluded_subtree_leaves_its_siblings_as_they_were() {
        let xml = r#"<a xmlns="urn:hl7-org:v3">x<s xmlns="urn:ds"><t/></s>y</a>"#;
        let doc = Document::parse(xml).unwrap();
        let s = doc
            .descendants()
            .find(|n| n.tag_name().name() == "s")
            .unwrap();
        let c = C14n {
            exclusive: true,
            comments: false,
            prefixes: Vec::new(),
        };
        assert_eq!(
            String::from_utf8(canonicalize(doc.root(), Some(s), &c, false)).unwrap(),
            r#"<a xmlns="urn:hl7-org:v3">xy</a>"#
        );
    }
}
