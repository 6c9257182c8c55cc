//! The signature timestamp of a CAdES-T signature (ETSI EN 319 122-1 §5.3; RFC 3161): an unsigned
//! attribute id-aa-signatureTimeStampToken whose value is a timestamp authority's CMS SignedData
//! over a TSTInfo. It proves the signature existed at the TSA's genTime, which is then the time the
//! signer's certificate is judged at (docs/hpki.md "Checks" 4), in place of the signer's own
//! signing-time claim.
//!
//! ```text
//! TSTInfo ::= SEQUENCE { version INTEGER, policy OID, messageImprint MessageImprint,
//!                        serialNumber INTEGER, genTime GeneralizedTime, accuracy … OPTIONAL, … }
//! MessageImprint ::= SEQUENCE { hashAlgorithm AlgorithmIdentifier, hashedMessage OCTET STRING }
//! ```
//!
//! Checked: the token reads and holds a TSTInfo; its imprint is the hash of this SignerInfo's
//! signature value; its own CMS signature (OpenSSL's CMS_verify, the TSA's chain not yet) and its
//! ESS signing-certificate attribute; the TSA's certificate is a timestamping one
//! (extendedKeyUsage id-kp-timeStamping, RFC 3161 §2.3) with a path to one of the hub's anchors at
//! genTime. A token that fails one of the first checks makes the signature invalid: it was altered.
//! A sound token from a TSA the hub does not trust proves nothing about time, so the signing-time
//! claim is used instead, and the result says so.

use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::stack::Stack;
use openssl::x509::store::X509StoreBuilder;
use openssl::x509::{X509, X509StoreContext};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::cades::{Trust, path_failure, signing_certificate_matches, trust_store};
use crate::cms;
use crate::der::{self, Tlv};

/// A timestamp whose TSA the hub trusts.
#[derive(Debug, Clone)]
pub(crate) struct Stamp {
    /// genTime, seconds since the Unix epoch.
    pub(crate) time: i64,
    /// The TSA certificate's subject, as OpenSSL prints it.
    pub(crate) authority: String,
}

/// Why a token gives no time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Problem {
    /// The token is damaged or over another signature: the signature is invalid.
    Broken(String),
    /// The token is sound but its TSA is not one the hub trusts (or cannot be checked): its time is
    /// not used.
    Untrusted(String),
}

/// Checks the token `value` (the attribute's value, a ContentInfo) against `signature_value`, the
/// SignerInfo's signature it must be over.
pub(crate) fn check(
    value: Tlv<'_>,
    signature_value: &[u8],
    trust: &Trust,
) -> Result<Stamp, Problem> {
    let broken = |why: &str| Problem::Broken(format!("the signature timestamp {why}"));
    let token = der::write(value.tag, value.content);
    let signed = cms::signed_data(&token).ok_or_else(|| broken("does not read as a CMS token"))?;
    if signed.content_type != cms::ID_CT_TST_INFO {
        return Err(broken("holds no TSTInfo (RFC 3161)"));
    }
    let tst = signed
        .content
        .ok_or_else(|| broken("holds no TSTInfo (RFC 3161)"))?;
    let (imprint_alg, imprint, gen_time) =
        tst_info(tst).ok_or_else(|| broken("has a TSTInfo that does not read"))?;
    let digest = cms::digest_of_oid(&imprint_alg).ok_or_else(|| {
        broken(&format!(
            "uses a hash this verifier does not know ({imprint_alg})"
        ))
    })?;
    let actual = openssl::hash::hash(digest, signature_value)
        .map_err(|e| Problem::Broken(format!("OpenSSL: {e}")))?;
    if *actual != *imprint {
        return Err(broken(
            "is over another signature (its message imprint is not this signature's hash)",
        ));
    }

    // The TSA's certificate: in the token (RFC 3161 certReq), else among the hub's.
    let p7 = Pkcs7::from_der(&token).map_err(|_| broken("does not read as a CMS token"))?;
    let mut known = Stack::<X509>::new().map_err(|e| Problem::Broken(format!("OpenSSL: {e}")))?;
    let carried: Vec<X509> = p7
        .signed()
        .and_then(|s| s.certificates())
        .map(|certs| certs.iter().map(|c| c.to_owned()).collect())
        .unwrap_or_default();
    for c in carried
        .iter()
        .chain(&trust.intermediates)
        .chain(&trust.anchors)
    {
        known
            .push(c.clone())
            .map_err(|e| Problem::Broken(format!("OpenSSL: {e}")))?;
    }
    let tsa = match p7.signers(&known, Pkcs7Flags::empty()) {
        Ok(s) if s.len() == 1 => s.get(0).map(|c| c.to_owned()),
        _ => None,
    }
    .ok_or_else(|| {
        Problem::Untrusted(
            "the signature timestamp's TSA certificate is neither in the token nor among the \
             hub's certificates: its time is not used"
                .into(),
        )
    })?;

    // Its own signature over the TSTInfo (digest attribute and signature; the chain below).
    let empty = X509StoreBuilder::new()
        .map_err(|e| Problem::Broken(format!("OpenSSL: {e}")))?
        .build();
    let mut parsed =
        CmsContentInfo::from_der(&token).map_err(|_| broken("does not read as a CMS token"))?;
    parsed
        .verify(
            Some(&known),
            Some(&empty),
            None,
            None,
            CMSOptions::NOVERIFY | CMSOptions::BINARY,
        )
        .map_err(|_| broken("does not verify: the TSA's signature is not over its TSTInfo"))?;
    let tsa_der = tsa
        .to_der()
        .map_err(|e| Problem::Broken(format!("OpenSSL: {e}")))?;
    if let Some(info) = signed.signer_infos.first() {
        signing_certificate_matches(info, &tsa_der)
            .map_err(|r| Problem::Broken(format!("the signature timestamp: {r}")))?;
    }

    let authority = {
        let subject = tsa_der.as_slice();
        X509Certificate::from_der(subject)
            .map(|(_, c)| c.subject().to_string())
            .unwrap_or_default()
    };
    let untrusted = |why: String| {
        Problem::Untrusted(format!(
            "the signature timestamp is from a TSA the hub does not trust ({authority}: {why}): \
             its time is not used"
        ))
    };
    if !is_timestamping(&tsa_der) {
        return Err(untrusted(
            "its certificate lacks extendedKeyUsage id-kp-timeStamping".into(),
        ));
    }
    // The TSA's own revocation is not checked (docs/hpki.md "What is built").
    let store = trust_store(trust, gen_time)
        .map_err(|e| untrusted(format!("the hub's anchors do not load: {e}")))?;
    let checked = X509StoreContext::new().and_then(|mut ctx| {
        ctx.init(&store, &tsa, &known, |c| {
            let ok = c.verify_cert()?;
            Ok((ok, c.error()))
        })
    });
    match checked {
        Ok((true, _)) => Ok(Stamp {
            time: gen_time,
            authority,
        }),
        Ok((false, error)) => Err(untrusted(path_failure(error).1)),
        Err(e) => Err(untrusted(format!("OpenSSL: {e}"))),
    }
}

/// The imprint's hash OID, the imprint, and genTime (Unix seconds).
fn tst_info(tst: &[u8]) -> Option<(String, &[u8], i64)> {
    let info = der::one(tst, der::SEQUENCE)?;
    let fields = der::all(info.content)?;
    let [version, policy, imprint, serial, gen_time, ..] = fields[..] else {
        return None;
    };
    if version.tag != der::INTEGER || policy.tag != der::OID || serial.tag != der::INTEGER {
        return None;
    }
    let [alg, hashed] = der::all(imprint.content)?[..] else {
        return None;
    };
    if imprint.tag != der::SEQUENCE || alg.tag != der::SEQUENCE || hashed.tag != der::OCTET_STRING {
        return None;
    }
    let alg_oid = der::all(alg.content)?
        .into_iter()
        .next()
        .filter(|o| o.tag == der::OID)?;
    if gen_time.tag != der::GENERALIZED_TIME {
        return None;
    }
    Some((
        der::oid(alg_oid.content)?,
        hashed.content,
        crate::cades::parse_time(gen_time)?,
    ))
}

fn is_timestamping(cert_der: &[u8]) -> bool {
    X509Certificate::from_der(cert_der)
        .ok()
        .and_then(|(_, c)| {
            c.extended_key_usage()
                .ok()
                .flatten()
                .map(|e| e.value.time_stamping)
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    //! A test CA with a signer and a TSA made here; tokens written with the crate's own CMS writer,
    //! as a TSA writes them (RFC 3161: TSTInfo content, ESS signing-certificate attribute).

    use openssl::pkey::{PKey, Private};
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose, SerialNumber,
    };
    use time::{Duration, OffsetDateTime};

    use crate::cades::{Outcome, TimeBasis, Trust, verify_detached};
    use crate::cms::{self, attribute};
    use crate::der;
    use crate::sign::{Signing, signed_data};

    const LETTER: &[u8] = "診療情報提供書\n".as_bytes();

    /// A certificate (DER) and its private key.
    type Holder = (Vec<u8>, PKey<Private>);

    struct Ca {
        params: CertificateParams,
        key: KeyPair,
        cert: openssl::x509::X509,
    }

    fn rsa() -> (KeyPair, PKey<Private>) {
        let key = PKey::from_rsa(openssl::rsa::Rsa::generate(2048).unwrap()).unwrap();
        let pem = String::from_utf8(key.private_key_to_pem_pkcs8().unwrap()).unwrap();
        (KeyPair::from_pem(&pem).unwrap(), key)
    }

    fn ca(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = OffsetDateTime::now_utc() - Duration::days(3650);
        params.not_after = OffsetDateTime::now_utc() + Duration::days(3650);
        let cert = params.self_signed(&key).unwrap();
        let cert = openssl::x509::X509::from_der(cert.der()).unwrap();
        Ca { params, key, cert }
    }

    /// A certificate from `ca`: a physician's signing one, or a TSA's (`tsa`).
    fn issue(ca: &Ca, name: &str, tsa: bool, from: OffsetDateTime, days: i64) -> Holder {
        let (key, pkey) = rsa();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.serial_number = Some(SerialNumber::from(u64::from(tsa) + 7000));
        if tsa {
            params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
            params.extended_key_usages = vec![ExtendedKeyUsagePurpose::TimeStamping];
        } else {
            params.key_usages = vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::ContentCommitment,
            ];
            params.custom_extensions = vec![rcgen::CustomExtension::from_oid_content(
                &[2, 5, 29, 9],
                crate::hc_role_extension(&["Medical Doctor"]),
            )];
        }
        params.not_before = from;
        params.not_after = from + Duration::days(days);
        params.use_authority_key_identifier_extension = true;
        let cert = params
            .signed_by(&key, &Issuer::from_params(&ca.params, &ca.key))
            .unwrap();
        (cert.der().to_vec(), pkey)
    }

    /// A TSA's token over `signature` at `gen_time`.
    fn token(signature: &[u8], gen_time: &str, tsa: &Holder) -> Vec<u8> {
        let hash = openssl::hash::hash(openssl::hash::MessageDigest::sha256(), signature).unwrap();
        let tst = der::write(
            der::SEQUENCE,
            &[
                der::write(der::INTEGER, &[1]),
                der::write_oid("1.2.392.999.1"), // a test policy
                der::write(
                    der::SEQUENCE,
                    &[
                        cms::algorithm(cms::SHA256),
                        der::write(der::OCTET_STRING, &hash),
                    ]
                    .concat(),
                ),
                der::write(der::INTEGER, &[0x2a]),
                der::write(der::GENERALIZED_TIME, gen_time.as_bytes()),
            ]
            .concat(),
        );
        signed_data(
            &Signing {
                content: &tst,
                content_type: cms::ID_CT_TST_INFO,
                embed: true,
                cert_der: &tsa.0,
                key: &tsa.1,
                signing_time_unix: 0,
                chain: &[],
            },
            |_| Ok(Vec::new()),
        )
        .unwrap()
    }

    /// The letter signed at `claimed`, with a token that `stamp` makes over the signature.
    fn stamped(signer: &Holder, claimed: i64, stamp: impl FnOnce(&[u8]) -> Vec<u8>) -> Vec<u8> {
        signed_data(
            &Signing {
                content: LETTER,
                content_type: cms::ID_DATA,
                embed: false,
                cert_der: &signer.0,
                key: &signer.1,
                signing_time_unix: claimed,
                chain: &[],
            },
            |sig| Ok(vec![attribute(cms::SIGNATURE_TIME_STAMP_TOKEN, stamp(sig))]),
        )
        .unwrap()
    }

    fn unix(t: OffsetDateTime) -> i64 {
        t.unix_timestamp()
    }

    fn gen_time(t: OffsetDateTime) -> String {
        format!(
            "{:04}{:02}{:02}{:02}{:02}{:02}.5Z",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }

    /// A signer whose certificate ended ten days ago, a TSA, and the hub trusting their CA.
    fn setting() -> (Ca, Holder, Holder, OffsetDateTime) {
        let root = ca("Test HPKI Root");
        let now = OffsetDateTime::now_utc();
        let expired = issue(&root, "ONO ERI", false, now - Duration::days(100), 90);
        let tsa = issue(&root, "Test TSA", true, now - Duration::days(1000), 2000);
        (root, expired, tsa, now)
    }

    #[test]
    fn a_trusted_timestamp_is_the_time_the_certificate_is_judged_at() {
        let (root, signer, tsa, now) = setting();
        // Claimed today (after the certificate ended); stamped 30 days ago (within it).
        let when = now - Duration::days(30);
        let sig = stamped(&signer, unix(now), |s| token(s, &gen_time(when), &tsa));
        let trust = Trust {
            anchors: vec![root.cert.clone()],
            ..Trust::default()
        };
        let v = verify_detached(&sig, LETTER, &trust, unix(now));
        assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
        assert_eq!(v.time_basis, TimeBasis::Timestamp);
        let stamp = v.timestamp.unwrap();
        assert!(stamp.authority.contains("Test TSA"), "{stamp:?}");
        assert_eq!(stamp.time, crate::cades::rfc3339(unix(when)));
        // Without the token the claim is the basis, and the certificate had ended by then.
        let bare =
            crate::sign::sign_detached(LETTER, &signer.0, &signer.1, unix(now), &[]).unwrap();
        let v = verify_detached(&bare, LETTER, &trust, unix(now));
        assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
        assert!(v.reason.unwrap().contains("expired"));
    }

    #[test]
    fn a_timestamp_over_another_signature_is_invalid() {
        let (root, signer, tsa, now) = setting();
        let when = gen_time(now - Duration::days(30));
        let sig = stamped(&signer, unix(now), |_| {
            token(b"another signature", &when, &tsa)
        });
        let trust = Trust {
            anchors: vec![root.cert.clone()],
            ..Trust::default()
        };
        let v = verify_detached(&sig, LETTER, &trust, unix(now));
        assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
        assert!(v.reason.unwrap().contains("over another signature"));
    }

    #[test]
    fn a_timestamp_whose_time_was_altered_is_invalid() {
        let (root, signer, tsa, now) = setting();
        let when = gen_time(now - Duration::days(30));
        let sig = stamped(&signer, unix(now), |s| {
            let mut t = token(s, &when, &tsa);
            // Move genTime a year back: the TSA's signature no longer holds.
            let at = t
                .windows(when.len())
                .position(|w| w == when.as_bytes())
                .unwrap();
            t[at + 3] = if t[at + 3] == b'0' {
                b'9'
            } else {
                t[at + 3] - 1
            };
            t
        });
        let trust = Trust {
            anchors: vec![root.cert.clone()],
            ..Trust::default()
        };
        let v = verify_detached(&sig, LETTER, &trust, unix(now));
        assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
        assert!(
            v.reason.as_deref().unwrap().contains("does not verify"),
            "{v:?}"
        );
    }

    #[test]
    fn a_timestamp_from_an_untrusted_tsa_is_not_used_and_the_result_says_so() {
        let (root, _, _, now) = setting();
        let stranger = ca("Unknown TSA Root");
        let tsa = issue(
            &stranger,
            "Stranger TSA",
            true,
            now - Duration::days(1000),
            2000,
        );
        let signer = issue(&root, "ONO ERI", false, now - Duration::days(100), 700);
        let when = gen_time(now - Duration::days(3000)); // before the certificate: not believed
        let sig = stamped(&signer, unix(now), |s| token(s, &when, &tsa));
        let trust = Trust {
            anchors: vec![root.cert.clone()],
            ..Trust::default()
        };
        let v = verify_detached(&sig, LETTER, &trust, unix(now));
        assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
        assert_eq!(v.time_basis, TimeBasis::SigningTime);
        assert!(v.timestamp.is_none());
        assert!(
            v.notes
                .iter()
                .any(|n| n.contains("TSA the hub does not trust")),
            "{:?}",
            v.notes
        );
    }

    #[test]
    fn a_token_that_is_not_one_is_invalid() {
        let (root, signer, _, now) = setting();
        let sig = stamped(&signer, unix(now), |_| {
            der::write(der::SEQUENCE, &der::write(der::NULL, &[]))
        });
        let trust = Trust {
            anchors: vec![root.cert.clone()],
            ..Trust::default()
        };
        let v = verify_detached(&sig, LETTER, &trust, unix(now));
        assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
        assert!(v.reason.unwrap().contains("signature timestamp"));
    }

    /// A CDA letter signed inside (XAdES) at `claimed`, with a SignatureTimeStamp whose token
    /// `stamp` makes over the canonical SignatureValue element (ES-T).
    fn xades_stamped(
        signer: &Holder,
        claimed: i64,
        stamp: impl FnOnce(&[u8]) -> Vec<u8>,
    ) -> Vec<u8> {
        const CDA: &str = "<ClinicalDocument xmlns=\"urn:hl7-org:v3\"><title>診療情報提供書</title>\
                           <text>継続加療をお願いします。</text></ClinicalDocument>";
        let signed = crate::sign_xades::sign_enveloped_xml(
            CDA.as_bytes(),
            &signer.0,
            &signer.1,
            claimed,
            &[],
        )
        .unwrap();
        let text = String::from_utf8(signed).unwrap();
        let covered = {
            let doc = crate::xades::parse(&text).unwrap();
            let value = doc
                .descendants()
                .find(|n| n.has_tag_name((crate::xades::DSIG, "SignatureValue")))
                .unwrap();
            let inclusive = crate::xades::C14n {
                exclusive: false,
                comments: false,
                prefixes: Vec::new(),
            };
            crate::xades::canonicalize(value, None, &inclusive, false)
        };
        let token = openssl::base64::encode_block(&stamp(&covered));
        let unsigned = format!(
            "<xades:UnsignedProperties><xades:UnsignedSignatureProperties><xades:SignatureTimeStamp>\
             <ds:CanonicalizationMethod Algorithm=\"http://www.w3.org/TR/2001/REC-xml-c14n-20010315\"/>\
             <xades:EncapsulatedTimeStamp>{token}</xades:EncapsulatedTimeStamp>\
             </xades:SignatureTimeStamp></xades:UnsignedSignatureProperties></xades:UnsignedProperties>"
        );
        text.replacen(
            "</xades:QualifyingProperties>",
            &format!("{unsigned}</xades:QualifyingProperties>"),
            1,
        )
        .into_bytes()
    }

    #[test]
    fn a_xades_signature_timestamp_is_the_time_the_certificate_is_judged_at() {
        let (root, signer, tsa, now) = setting();
        let trust = Trust {
            anchors: vec![root.cert.clone()],
            ..Trust::default()
        };
        // Claimed today (after the certificate ended); stamped 30 days ago (within it).
        let when = now - Duration::days(30);
        let letter = xades_stamped(&signer, unix(now), |c| token(c, &gen_time(when), &tsa));
        let v = crate::verify_enveloped_xml(&letter, &trust, unix(now));
        assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
        assert_eq!(v.time_basis, TimeBasis::Timestamp);
        let stamp = v.timestamp.unwrap();
        assert!(stamp.authority.contains("Test TSA"), "{stamp:?}");
        assert_eq!(stamp.time, crate::cades::rfc3339(unix(when)));
        // The laptop's re-check still finds the letter as signed (the token is unsigned data).
        assert!(crate::recheck_enveloped_xml(&letter).is_ok());

        // A token over another signature's value breaks the signature.
        let other = xades_stamped(&signer, unix(now), |_| {
            token(b"<SignatureValue/>", &gen_time(when), &tsa)
        });
        let v = crate::verify_enveloped_xml(&other, &trust, unix(now));
        assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
        assert!(v.reason.unwrap().contains("over another signature"));

        // A TSA the hub does not trust: its time is not used, and the claim is judged.
        let stranger = ca("Unknown TSA Root");
        let untrusted_tsa = issue(
            &stranger,
            "Other TSA",
            true,
            now - Duration::days(1000),
            2000,
        );
        let letter = xades_stamped(&signer, unix(now), |c| {
            token(c, &gen_time(when), &untrusted_tsa)
        });
        let v = crate::verify_enveloped_xml(&letter, &trust, unix(now));
        assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
        assert_eq!(v.time_basis, TimeBasis::SigningTime);
        assert!(
            v.reason.unwrap().contains("expired"),
            "the claim is after the certificate ended"
        );
    }
}
