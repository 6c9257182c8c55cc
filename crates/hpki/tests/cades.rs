//! Detached CAdES signatures on a referral letter, checked against a test HPKI CA made here: an
//! HPKI-shaped root, signing certificates carrying the CP's hcRole, signed with OpenSSL's CMS
//! signer (what a hospital's signing module produces), and a CRL.
//!
//! Cases (issue 16 §1): a valid physician's letter; a tampered letter; a signature over other
//! bytes; an expired certificate; a revoked one with a CRL; an unknown CA; a pharmacist-signed
//! letter; a certificate without nonRepudiation; a file that is no signature; revocation "not
//! checked" without a CRL.

use fieldchart_hpki::{Outcome, Revocation, TimeBasis, Trust, verify_detached};
use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::pkey::PKey;
use openssl::stack::Stack;
use openssl::x509::X509;
use rcgen::{
    BasicConstraints, CertificateParams, CertificateRevocationListParams, CustomExtension, DnType,
    IsCa, Issuer, KeyIdMethod, KeyPair, KeyUsagePurpose, RevokedCertParams, SerialNumber,
};
use time::{Duration, OffsetDateTime};

const LETTER: &[u8] = "診療情報提供書\n紹介目的: 災害に伴う避難のため…\n".as_bytes();

struct Ca {
    params: CertificateParams,
    key: KeyPair,
    cert: X509,
}

impl Ca {
    fn new(name: &str) -> Ca {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params
            .distinguished_name
            .push(DnType::OrganizationName, "Test HPKI CA (not real)");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = OffsetDateTime::now_utc() - Duration::days(3650);
        params.not_after = OffsetDateTime::now_utc() + Duration::days(3650);
        let cert = params.self_signed(&key).unwrap();
        let cert = X509::from_der(cert.der()).unwrap();
        Ca { params, key, cert }
    }

    fn issuer(&self) -> Issuer<'_, &KeyPair> {
        Issuer::from_params(&self.params, &self.key)
    }

    /// A signing certificate for `name` with the hcRole `role`, valid from `from` for `days`.
    fn signer(
        &self,
        name: &str,
        role: &str,
        serial: u64,
        from: OffsetDateTime,
        days: i64,
        non_repudiation: bool,
    ) -> (X509, PKey<openssl::pkey::Private>) {
        let key = KeyPair::generate().unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name.push(DnType::CommonName, name);
        params.distinguished_name.push(
            DnType::OrganizationName,
            "Ishinomaki Minato General Hospital",
        );
        params.serial_number = Some(SerialNumber::from(serial));
        params.key_usages = if non_repudiation {
            vec![
                KeyUsagePurpose::DigitalSignature,
                KeyUsagePurpose::ContentCommitment,
            ]
        } else {
            vec![KeyUsagePurpose::DigitalSignature]
        };
        params.custom_extensions = vec![CustomExtension::from_oid_content(
            &[2, 5, 29, 9],
            fieldchart_hpki::hc_role_extension(&[role]),
        )];
        params.not_before = from;
        params.not_after = from + Duration::days(days);
        // As a real CA writes it (RFC 5280 4.2.1.1; OpenSSL's strict mode requires it).
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &self.issuer()).unwrap();
        let cert = X509::from_der(cert.der()).unwrap();
        let pkey = PKey::private_key_from_pem(key.serialize_pem().as_bytes()).unwrap();
        (cert, pkey)
    }

    /// A CRL listing `serials`, written to a file in `dir`.
    fn crl(&self, serials: &[u64], dir: &std::path::Path) -> std::path::PathBuf {
        let now = OffsetDateTime::now_utc();
        let params = CertificateRevocationListParams {
            this_update: now - Duration::days(1),
            next_update: now + Duration::days(30),
            crl_number: SerialNumber::from(1u64),
            issuing_distribution_point: None,
            revoked_certs: serials
                .iter()
                .map(|s| RevokedCertParams {
                    serial_number: SerialNumber::from(*s),
                    revocation_time: now - Duration::hours(1),
                    reason_code: None,
                    invalidity_date: None,
                })
                .collect(),
            key_identifier_method: KeyIdMethod::Sha256,
        };
        let crl = params.signed_by(&self.issuer()).unwrap();
        let path = dir.join("test-ca.crl.pem");
        std::fs::write(&path, crl.pem().unwrap()).unwrap();
        path
    }
}

/// A detached CMS signature (DER) over `content`, with the signer's certificate and a signed
/// signing-time attribute, as a signing module makes it.
fn sign(content: &[u8], cert: &X509, key: &PKey<openssl::pkey::Private>) -> Vec<u8> {
    let certs = Stack::new().unwrap();
    let flags = Pkcs7Flags::DETACHED | Pkcs7Flags::BINARY;
    Pkcs7::sign(cert, key, &certs, content, flags)
        .unwrap()
        .to_der()
        .unwrap()
}

fn trust(ca: &Ca) -> Trust {
    Trust {
        anchors: vec![ca.cert.clone()],
        ..Trust::default()
    }
}

fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

fn recently() -> OffsetDateTime {
    OffsetDateTime::now_utc() - Duration::days(30)
}

#[test]
fn a_physicians_letter_verifies_with_signer_role_facility_and_signing_time() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = ca.signer("ONO ERI", "Medical Doctor", 1001, recently(), 700, true);
    let v = verify_detached(&sign(LETTER, &cert, &key), LETTER, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    let signer = v.signer.as_ref().unwrap();
    assert_eq!(signer.name.as_deref(), Some("ONO ERI"));
    assert_eq!(
        signer.organization.as_deref(),
        Some("Ishinomaki Minato General Hospital")
    );
    assert!(signer.is_physician());
    assert_eq!(signer.roles[0].japanese(), Some("医師"));
    assert_eq!(
        v.time_basis,
        TimeBasis::SigningTime,
        "OpenSSL's signer adds signing-time"
    );
    assert!(v.signing_time.is_some());
    assert_eq!(
        v.revocation,
        Revocation::NotChecked,
        "the hub configured no CRL"
    );
}

#[test]
fn a_tampered_letter_and_a_signature_over_other_bytes_are_invalid() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = ca.signer("ONO ERI", "Medical Doctor", 1002, recently(), 700, true);
    let signature = sign(LETTER, &cert, &key);
    let mut tampered = LETTER.to_vec();
    tampered[0] ^= 1;
    let v = verify_detached(&signature, &tampered, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(
        v.reason.as_deref().unwrap().contains("does not match"),
        "{v:?}"
    );
    let other = sign(b"another letter", &cert, &key);
    let v = verify_detached(&other, LETTER, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(v.signer.is_some(), "the signer is still named: {v:?}");
}

#[test]
fn an_expired_certificate_is_invalid_at_the_signing_time() {
    let ca = Ca::new("Test HPKI Root");
    // Valid for 25 months, ended a year ago: the signature made now is past its end.
    let from = OffsetDateTime::now_utc() - Duration::days(25 * 30 + 365);
    let (cert, key) = ca.signer("ONO ERI", "Medical Doctor", 1003, from, 25 * 30, true);
    let v = verify_detached(&sign(LETTER, &cert, &key), LETTER, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(v.reason.as_deref().unwrap().contains("expired"), "{v:?}");
}

#[test]
fn a_revoked_certificate_is_invalid_when_the_hub_has_the_crl() {
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("Test HPKI Root");
    let (revoked, key) = ca.signer("ONO ERI", "Medical Doctor", 1004, recently(), 700, true);
    let (good, good_key) = ca.signer(
        "SOMA SHUNSUKE",
        "Medical Doctor",
        1005,
        recently(),
        700,
        true,
    );
    let mut t = trust(&ca);
    t.crl_files = vec![ca.crl(&[1004], dir.path())];
    let v = verify_detached(&sign(LETTER, &revoked, &key), LETTER, &t, now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(v.reason.as_deref().unwrap().contains("revoked"), "{v:?}");
    let v = verify_detached(&sign(LETTER, &good, &good_key), LETTER, &t, now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    assert_eq!(v.revocation, Revocation::Checked);
}

#[test]
fn a_certificate_of_a_ca_the_hub_does_not_trust_is_untrusted() {
    let ca = Ca::new("Test HPKI Root");
    let stranger = Ca::new("Unknown Root");
    let (cert, key) = stranger.signer("ONO ERI", "Medical Doctor", 1006, recently(), 700, true);
    let v = verify_detached(&sign(LETTER, &cert, &key), LETTER, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::UntrustedCa, "{v:?}");
    assert!(v.signer.is_some());
}

#[test]
fn a_pharmacist_signed_letter_verifies_and_says_so() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = ca.signer("CHIBA KAZUKO", "Pharmacist", 1007, recently(), 700, true);
    let v = verify_detached(&sign(LETTER, &cert, &key), LETTER, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    let signer = v.signer.unwrap();
    assert!(!signer.is_physician(), "a pharmacist is not a physician");
    assert_eq!(signer.roles[0].japanese(), Some("薬剤師"));
}

#[test]
fn a_certificate_without_non_repudiation_is_not_a_signing_one() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = ca.signer("ONO ERI", "Medical Doctor", 1008, recently(), 700, false);
    let v = verify_detached(&sign(LETTER, &cert, &key), LETTER, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(
        v.reason.as_deref().unwrap().contains("nonRepudiation"),
        "{v:?}"
    );
}

#[test]
fn a_file_that_is_no_signature_is_invalid_and_nothing_panics() {
    let ca = Ca::new("Test HPKI Root");
    for junk in [
        &b""[..],
        b"not a signature",
        &[0x30, 0x82, 0xff, 0xff],
        LETTER,
    ] {
        let v = verify_detached(junk, LETTER, &trust(&ca), now());
        assert_eq!(v.outcome, Outcome::Invalid, "{junk:?}");
    }
}
