//! A deterministic detached CAdES-BES signature (ETSI EN 319 122-1: CMS SignedData with the
//! signing-certificate-v2 attribute), for the drill region's letters: the same letter, key,
//! certificate and time give the same bytes, so a generated region is byte-reproducible. That is
//! why the SignedData is written here with the crate's DER writer and not by OpenSSL's CMS signer,
//! which takes the time from the clock and orders nothing.
//!
//! What is written (RFC 5652 §5, RFC 5035 §3):
//! - SHA-256 (parameters absent, RFC 5754 §2), RSA PKCS#1 v1.5 (deterministic, unlike PSS or ECDSA);
//! - signed attributes contentType (id-data), signingTime (UTCTime for 1950–2049, else
//!   GeneralizedTime: RFC 5652 §11.3), messageDigest, and signing-certificate-v2 with the signer
//!   certificate's SHA-256 and its issuer and serial; a DER SET OF, sorted (X.690 §11.6), which is
//!   also the encoding the signature is computed over (RFC 5652 §5.4);
//! - the signer's certificate and `chain` in `certificates`; no content (detached).

use openssl::hash::{MessageDigest, hash};
use openssl::pkey::{Id, PKey, Private};
use openssl::x509::X509;

use crate::HpkiError;
use crate::cms::{self, algorithm, attribute};
use crate::der;

/// Signs `content` (detached) as the holder of `cert_der` with `key` (RSA), claiming the signing
/// time `signing_time_unix` (seconds since the Unix epoch), and carries `chain` (the
/// intermediates a verifier needs) beside the signer's certificate. Returns the ContentInfo, DER.
pub fn sign_detached(
    content: &[u8],
    cert_der: &[u8],
    key: &PKey<Private>,
    signing_time_unix: i64,
    chain: &[X509],
) -> Result<Vec<u8>, HpkiError> {
    signed_data(
        &Signing {
            content,
            content_type: cms::ID_DATA,
            embed: false,
            cert_der,
            key,
            signing_time_unix,
            chain,
        },
        |_| Ok(Vec::new()),
    )
}

/// One signature to make: [`sign_detached`]'s inputs, plus the content type and whether the
/// content is carried (a timestamp token carries its TSTInfo).
pub(crate) struct Signing<'a> {
    pub(crate) content: &'a [u8],
    pub(crate) content_type: &'a str,
    pub(crate) embed: bool,
    pub(crate) cert_der: &'a [u8],
    pub(crate) key: &'a PKey<Private>,
    pub(crate) signing_time_unix: i64,
    pub(crate) chain: &'a [X509],
}

/// The SignedData for `s`; `unsigned` makes the unsigned attributes (each an Attribute's
/// encoding) from the signature value, as a timestamp token is made over it.
pub(crate) fn signed_data(
    s: &Signing<'_>,
    unsigned: impl FnOnce(&[u8]) -> Result<Vec<Vec<u8>>, HpkiError>,
) -> Result<Vec<u8>, HpkiError> {
    let fail = |what: &str| HpkiError::Signing(what.to_owned());
    let ossl = |e: openssl::error::ErrorStack| HpkiError::Signing(format!("OpenSSL: {e}"));
    if s.key.id() != Id::RSA {
        return Err(fail(
            "the key is not RSA: only RSA PKCS#1 v1.5 signs deterministically here",
        ));
    }
    let cert = X509::from_der(s.cert_der)
        .map_err(|_| fail("the signer's certificate (DER) does not read"))?;
    if !cert.public_key().map_err(ossl)?.public_eq(s.key) {
        return Err(fail("the key is not the one the certificate certifies"));
    }
    let (issuer, serial) = cms::issuer_and_serial(s.cert_der)
        .ok_or_else(|| fail("the signer's certificate has no issuer and serial that read"))?;
    let sha256 = |bytes: &[u8]| hash(MessageDigest::sha256(), bytes).map_err(ossl);

    // ESSCertIDv2 ::= SEQUENCE { hashAlgorithm DEFAULT sha256 (so omitted in DER), certHash,
    //   issuerSerial SEQUENCE { issuer GeneralNames (directoryName [4] EXPLICIT Name), serial } }
    let issuer_serial = der::write(
        der::SEQUENCE,
        &[
            der::write(der::SEQUENCE, &der::write(der::context(4), issuer)),
            serial.to_vec(),
        ]
        .concat(),
    );
    let cert_id = der::write(
        der::SEQUENCE,
        &[
            der::write(der::OCTET_STRING, &sha256(s.cert_der)?),
            issuer_serial,
        ]
        .concat(),
    );
    let signing_certificate = der::write(der::SEQUENCE, &der::write(der::SEQUENCE, &cert_id));

    let signed_attrs = sorted(vec![
        attribute(cms::CONTENT_TYPE, der::write_oid(s.content_type)),
        attribute(cms::SIGNING_TIME, signing_time(s.signing_time_unix)?),
        attribute(
            cms::MESSAGE_DIGEST,
            der::write(der::OCTET_STRING, &sha256(s.content)?),
        ),
        attribute(cms::SIGNING_CERTIFICATE_V2, signing_certificate),
    ]);
    // RFC 5652 §5.4: the signature is over the attributes' DER as a SET OF (tag 0x31), and the
    // SignerInfo carries the same content under [0] IMPLICIT.
    let mut signer = openssl::sign::Signer::new(MessageDigest::sha256(), s.key).map_err(ossl)?;
    signer
        .update(&der::write(der::SET, &signed_attrs))
        .map_err(ossl)?;
    let signature = signer.sign_to_vec().map_err(ossl)?;
    let unsigned_attrs = unsigned(&signature)?;

    let integer = |v: u8| der::write(der::INTEGER, &[v]);
    let mut signer_info = [
        integer(1), // version 1: sid is IssuerAndSerialNumber
        der::write(der::SEQUENCE, &[issuer, serial].concat()),
        algorithm(cms::SHA256),
        der::write(der::context(0), &signed_attrs),
        der::write(
            der::SEQUENCE,
            &[
                der::write_oid(cms::RSA_ENCRYPTION),
                der::write(der::NULL, &[]),
            ]
            .concat(),
        ),
        der::write(der::OCTET_STRING, &signature),
    ]
    .concat();
    if !unsigned_attrs.is_empty() {
        signer_info.extend(der::write(der::context(1), &sorted(unsigned_attrs)));
    }

    let mut encap = der::write_oid(s.content_type);
    if s.embed {
        encap.extend(der::write(
            der::context(0),
            &der::write(der::OCTET_STRING, s.content),
        ));
    }
    let mut certificates = vec![s.cert_der.to_vec()];
    for c in s.chain {
        certificates.push(c.to_der().map_err(ossl)?);
    }
    let signed = [
        integer(1), // version 1: id-data or no attribute certificates (RFC 5652 §5.1)
        der::set_of(vec![algorithm(cms::SHA256)]),
        der::write(der::SEQUENCE, &encap),
        der::write(der::context(0), &sorted(certificates)),
        der::set_of(vec![der::write(der::SEQUENCE, &signer_info)]),
    ]
    .concat();
    Ok(der::write(
        der::SEQUENCE,
        &[
            der::write_oid(cms::ID_SIGNED_DATA),
            der::write(der::context(0), &der::write(der::SEQUENCE, &signed)),
        ]
        .concat(),
    ))
}

/// A SET OF's content (for an IMPLICIT tag): the elements sorted as DER requires.
fn sorted(mut elements: Vec<Vec<u8>>) -> Vec<u8> {
    elements.sort();
    elements.concat()
}

/// RFC 5652 §11.3: UTCTime for 1950 through 2049, GeneralizedTime otherwise, to the second, in UTC.
fn signing_time(unix: i64) -> Result<Vec<u8>, HpkiError> {
    let t = time::OffsetDateTime::from_unix_timestamp(unix)
        .map_err(|_| HpkiError::Signing(format!("the signing time {unix} is out of range")))?;
    let clock = format!(
        "{:02}{:02}{:02}{:02}{:02}Z",
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    Ok(if (1950..2050).contains(&t.year()) {
        der::write(
            der::UTC_TIME,
            format!("{:02}{clock}", t.year() % 100).as_bytes(),
        )
    } else {
        der::write(
            der::GENERALIZED_TIME,
            format!("{:04}{clock}", t.year()).as_bytes(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signing_time_is_utc_time_until_2049_and_generalized_time_after() {
        // 2026-12-07T20:35:00Z
        assert_eq!(signing_time(1_796_675_700).unwrap()[2..], *b"261207203500Z");
        assert_eq!(signing_time(1_796_675_700).unwrap()[0], der::UTC_TIME);
        // 2050-01-01T00:00:00Z
        let t = signing_time(2_524_608_000).unwrap();
        assert_eq!(
            (t[0], &t[2..]),
            (der::GENERALIZED_TIME, &b"20500101000000Z"[..])
        );
        // 1949-12-31T23:59:59Z
        let t = signing_time(-631_152_001).unwrap();
        assert_eq!(
            (t[0], &t[2..]),
            (der::GENERALIZED_TIME, &b"19491231235959Z"[..])
        );
    }
}
