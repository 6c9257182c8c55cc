//! The CMS SignedData structure (RFC 5652 §5) as this crate reads and writes it: the parts OpenSSL
//! checks but does not hand back (a SignerInfo's signed and unsigned attributes, its signature
//! value) and the certificate's issuer and serial a SignerInfo names. Reading is bounds-checked
//! and returns `None` on anything that does not read; writing is DER, so the same inputs give the
//! same bytes.
//!
//! ```text
//! ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT SignedData }
//! SignedData  ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo,
//!                            certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL,
//!                            signerInfos SET OF SignerInfo }
//! EncapsulatedContentInfo ::= SEQUENCE { eContentType OID, eContent [0] EXPLICIT OCTET STRING OPTIONAL }
//! SignerInfo  ::= SEQUENCE { version, sid, digestAlgorithm, signedAttrs [0] IMPLICIT OPTIONAL,
//!                            signatureAlgorithm, signature OCTET STRING,
//!                            unsignedAttrs [1] IMPLICIT OPTIONAL }
//! ```

use openssl::hash::MessageDigest;

use crate::der::{self, Tlv};

pub(crate) const ID_DATA: &str = "1.2.840.113549.1.7.1";
pub(crate) const ID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub(crate) const CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
pub(crate) const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
pub(crate) const SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
/// ESS signing-certificate (RFC 2634 §5.4): the signer certificate's SHA-1.
pub(crate) const SIGNING_CERTIFICATE: &str = "1.2.840.113549.1.9.16.2.12";
/// ESS signing-certificate-v2 (RFC 5035 §3): the signer certificate's hash, SHA-256 by default.
pub(crate) const SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";
/// id-aa-signatureTimeStampToken (RFC 3161 appendix A): a TSA's token over the signature value.
pub(crate) const SIGNATURE_TIME_STAMP_TOKEN: &str = "1.2.840.113549.1.9.16.2.14";
/// id-ct-TSTInfo (RFC 3161 §2.4.2): the content type of a timestamp token.
pub(crate) const ID_CT_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
pub(crate) const SHA1: &str = "1.3.14.3.2.26";
pub(crate) const SHA256: &str = "2.16.840.1.101.3.4.2.1";
pub(crate) const SHA384: &str = "2.16.840.1.101.3.4.2.2";
pub(crate) const SHA512: &str = "2.16.840.1.101.3.4.2.3";
pub(crate) const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";

/// The digest an AlgorithmIdentifier's OID names, among those a verifier should accept.
pub(crate) fn digest_of_oid(oid: &str) -> Option<MessageDigest> {
    Some(match oid {
        SHA1 => MessageDigest::sha1(),
        SHA256 => MessageDigest::sha256(),
        SHA384 => MessageDigest::sha384(),
        SHA512 => MessageDigest::sha512(),
        _ => return None,
    })
}

/// One attribute: its type and its values.
#[derive(Debug, Clone)]
pub(crate) struct Attribute<'a> {
    pub(crate) oid: String,
    pub(crate) values: Vec<Tlv<'a>>,
}

/// The parts of a SignerInfo this crate checks itself.
#[allow(
    dead_code,
    reason = "the timestamp check (ES-T) reads the unsigned ones next"
)]
#[derive(Debug, Clone)]
pub(crate) struct SignerInfo<'a> {
    pub(crate) signed_attrs: Vec<Attribute<'a>>,
    /// The signature value (the OCTET STRING's content).
    pub(crate) signature: &'a [u8],
    pub(crate) unsigned_attrs: Vec<Attribute<'a>>,
}

#[allow(
    dead_code,
    reason = "the timestamp check (ES-T) reads the unsigned ones next"
)]
impl SignerInfo<'_> {
    pub(crate) fn signed(&self, oid: &str) -> Option<&Attribute<'_>> {
        self.signed_attrs.iter().find(|a| a.oid == oid)
    }

    pub(crate) fn unsigned(&self, oid: &str) -> Option<&Attribute<'_>> {
        self.unsigned_attrs.iter().find(|a| a.oid == oid)
    }
}

/// The parts of a SignedData this crate reads.
#[allow(
    dead_code,
    reason = "the timestamp check (ES-T) reads the content next"
)]
#[derive(Debug, Clone)]
pub(crate) struct SignedData<'a> {
    pub(crate) content_type: String,
    /// The encapsulated content, when the signature carries it (not detached).
    pub(crate) content: Option<&'a [u8]>,
    pub(crate) signer_infos: Vec<SignerInfo<'a>>,
}

/// A ContentInfo holding a SignedData, in DER.
pub(crate) fn signed_data(der_bytes: &[u8]) -> Option<SignedData<'_>> {
    let info = der::one(der_bytes, der::SEQUENCE)?;
    let [kind, explicit] = der::all(info.content)?[..] else {
        return None;
    };
    if kind.tag != der::OID || der::oid(kind.content)? != ID_SIGNED_DATA {
        return None;
    }
    if explicit.tag != der::context(0) {
        return None;
    }
    let signed = der::one(explicit.content, der::SEQUENCE)?;
    let fields = der::all(signed.content)?;
    let encap = fields.get(2).filter(|f| f.tag == der::SEQUENCE)?;
    let encap = der::all(encap.content)?;
    let content_type = encap.first().filter(|t| t.tag == der::OID)?;
    let content = match encap.get(1) {
        Some(e) if e.tag == der::context(0) => {
            Some(der::one(e.content, der::OCTET_STRING)?.content)
        }
        Some(_) => return None,
        None => None,
    };
    let infos = fields.last().filter(|f| f.tag == der::SET)?;
    let signer_infos = der::all(infos.content)?
        .into_iter()
        .map(signer_info)
        .collect::<Option<Vec<_>>>()?;
    Some(SignedData {
        content_type: der::oid(content_type.content)?,
        content,
        signer_infos,
    })
}

fn signer_info(info: Tlv<'_>) -> Option<SignerInfo<'_>> {
    if info.tag != der::SEQUENCE {
        return None;
    }
    let mut signed_attrs = Vec::new();
    let mut unsigned_attrs = Vec::new();
    let mut signature = None;
    for field in der::all(info.content)? {
        match field.tag {
            t if t == der::context(0) => signed_attrs = attributes(field.content)?,
            t if t == der::context(1) => unsigned_attrs = attributes(field.content)?,
            der::OCTET_STRING => signature = Some(field.content),
            _ => {}
        }
    }
    Some(SignerInfo {
        signed_attrs,
        signature: signature?,
        unsigned_attrs,
    })
}

fn attributes(content: &[u8]) -> Option<Vec<Attribute<'_>>> {
    der::all(content)?
        .into_iter()
        .map(|attr| {
            if attr.tag != der::SEQUENCE {
                return None;
            }
            let [kind, values] = der::all(attr.content)?[..] else {
                return None;
            };
            if kind.tag != der::OID || values.tag != der::SET {
                return None;
            }
            Some(Attribute {
                oid: der::oid(kind.content)?,
                values: der::all(values.content)?,
            })
        })
        .collect()
}

/// A certificate's issuer Name and serialNumber INTEGER, each as its whole encoding:
/// `Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
/// signature, issuer, … }, … }`.
pub(crate) fn issuer_and_serial(cert_der: &[u8]) -> Option<(&[u8], &[u8])> {
    let cert = der::one(cert_der, der::SEQUENCE)?;
    let (tbs, _) = der::read(cert.content)?;
    if tbs.tag != der::SEQUENCE {
        return None;
    }
    let fields = der::all_raw(tbs.content)?;
    let skip = usize::from(fields.first()?.first() == Some(&der::context(0)));
    let serial = *fields.get(skip)?;
    let issuer = *fields.get(skip + 2)?;
    (serial.first() == Some(&der::INTEGER) && issuer.first() == Some(&der::SEQUENCE))
        .then_some((issuer, serial))
}

/// An AlgorithmIdentifier with absent parameters (RFC 5754 §2: SHA-2's are absent).
pub(crate) fn algorithm(oid: &str) -> Vec<u8> {
    der::write(der::SEQUENCE, &der::write_oid(oid))
}

/// An Attribute: `SEQUENCE { attrType OID, attrValues SET OF value }` with one value.
pub(crate) fn attribute(oid: &str, value: Vec<u8>) -> Vec<u8> {
    der::write(
        der::SEQUENCE,
        &[der::write_oid(oid), der::set_of(vec![value])].concat(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_oid_constant_reads_back() {
        for oid in [
            ID_DATA,
            ID_SIGNED_DATA,
            CONTENT_TYPE,
            MESSAGE_DIGEST,
            SIGNING_TIME,
            SIGNING_CERTIFICATE,
            SIGNING_CERTIFICATE_V2,
            SIGNATURE_TIME_STAMP_TOKEN,
            ID_CT_TST_INFO,
            SHA1,
            SHA256,
            SHA384,
            SHA512,
            RSA_ENCRYPTION,
        ] {
            let w = der::write_oid(oid);
            let t = der::one(&w, der::OID).unwrap();
            assert_eq!(der::oid(t.content).as_deref(), Some(oid));
        }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
            let _ = signed_data(&bytes);
            let _ = issuer_and_serial(&bytes);
            // Behind a valid ContentInfo head, where the reader goes deeper.
            let mut wrapped = der::write_oid(ID_SIGNED_DATA);
            wrapped.extend(der::write(der::context(0), &der::write(der::SEQUENCE, &bytes)));
            let _ = signed_data(&der::write(der::SEQUENCE, &wrapped));
        }
    }

    #[test]
    fn something_else_is_not_signed_data() {
        assert!(signed_data(&[]).is_none());
        assert!(signed_data(&attribute(ID_DATA, der::write(der::NULL, &[]))).is_none());
    }
}
