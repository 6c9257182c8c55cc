//! The deterministic CAdES-BES signer: what it writes verifies here and in OpenSSL's own CMS
//! verifier, and the same inputs give the same bytes (the drill region depends on it).

mod common;

use common::{Ca, LETTER, now, recently, rsa_key_pem, sign, trust};
use fieldchart_hpki::{HpkiError, Outcome, TimeBasis, sign_detached, verify_detached};
use openssl::cms::{CMSOptions, CmsContentInfo};
use openssl::stack::Stack;
use openssl::x509::X509;
use openssl::x509::store::X509StoreBuilder;
use rcgen::KeyPair;

/// 2026-12-07T09:30:00Z.
const SIGNED_AT: i64 = 1_796_635_800;

#[test]
fn a_letter_signed_here_verifies_with_its_signing_time() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = ca.rsa_signer("ONO ERI", "Medical Doctor", 2001, recently(), 700);
    let signature = sign_detached(LETTER, &cert.to_der().unwrap(), &key, SIGNED_AT, &[]).unwrap();
    let v = verify_detached(&signature, LETTER, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    assert_eq!(v.time_basis, TimeBasis::SigningTime);
    assert_eq!(v.signing_time.as_deref(), Some("2026-12-07T09:30:00Z"));
    assert!(v.signer.unwrap().is_physician());
}

#[test]
fn openssls_cms_verifier_accepts_it_with_the_chain() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = ca.rsa_signer("ONO ERI", "Medical Doctor", 2002, recently(), 700);
    let signature = sign_detached(LETTER, &cert.to_der().unwrap(), &key, now(), &[]).unwrap();
    let mut store = X509StoreBuilder::new().unwrap();
    store.add_cert(ca.cert.clone()).unwrap();
    let store = store.build();
    let mut cms = CmsContentInfo::from_der(&signature).unwrap();
    let certs = Stack::new().unwrap();
    cms.verify(
        Some(&certs),
        Some(&store),
        Some(LETTER),
        None,
        CMSOptions::BINARY,
    )
    .expect("OpenSSL's CMS_verify accepts the signature and the chain");
    let mut cms = CmsContentInfo::from_der(&signature).unwrap();
    assert!(
        cms.verify(
            Some(&certs),
            Some(&store),
            Some(b"another letter"),
            None,
            CMSOptions::BINARY
        )
        .is_err(),
        "and refuses it over other bytes"
    );
}

#[test]
fn the_same_inputs_give_the_same_bytes() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = ca.rsa_signer("ONO ERI", "Medical Doctor", 2003, recently(), 700);
    let cert = cert.to_der().unwrap();
    let chain = [ca.cert.clone()];
    let a = sign_detached(LETTER, &cert, &key, SIGNED_AT, &chain).unwrap();
    let b = sign_detached(LETTER, &cert, &key, SIGNED_AT, &chain).unwrap();
    assert_eq!(a, b);
    let later = sign_detached(LETTER, &cert, &key, SIGNED_AT + 1, &chain).unwrap();
    assert_ne!(a, later, "the signing time is signed");
}

#[test]
fn a_key_that_is_not_the_certificates_or_not_rsa_is_refused() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, _) = ca.rsa_signer("ONO ERI", "Medical Doctor", 2004, recently(), 700);
    let (_, other_key) = ca.rsa_signer("SOMA SHUNSUKE", "Medical Doctor", 2005, recently(), 700);
    let (ec_cert, ec_key) = ca.signer("ONO ERI", "Medical Doctor", 2006, recently(), 700, true);
    let cert = cert.to_der().unwrap();
    let e = sign_detached(LETTER, &cert, &other_key, SIGNED_AT, &[]).unwrap_err();
    assert!(matches!(e, HpkiError::Signing(_)), "{e}");
    assert!(e.to_string().contains("not the one the certificate"), "{e}");
    let e = sign_detached(LETTER, &ec_cert.to_der().unwrap(), &ec_key, SIGNED_AT, &[]).unwrap_err();
    assert!(e.to_string().contains("not RSA"), "{e}");
    let e = sign_detached(LETTER, b"no certificate", &other_key, SIGNED_AT, &[]).unwrap_err();
    assert!(e.to_string().contains("does not read"), "{e}");
}

#[test]
fn a_signature_made_here_names_its_certificate_so_nothing_is_noted() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = ca.rsa_signer("ONO ERI", "Medical Doctor", 2007, recently(), 700);
    let signature = sign_detached(LETTER, &cert.to_der().unwrap(), &key, SIGNED_AT, &[]).unwrap();
    let v = verify_detached(&signature, LETTER, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    assert!(v.notes.is_empty(), "{v:?}");
}

#[test]
fn a_signature_without_the_ess_attribute_stays_valid_with_a_note() {
    // OpenSSL 3.0's signer writes no signing-certificate attribute (CMS_CADES is 3.2+).
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = ca.signer("ONO ERI", "Medical Doctor", 2008, recently(), 700, true);
    let v = verify_detached(&sign(LETTER, &cert, &key), LETTER, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    assert_eq!(v.notes.len(), 1, "{v:?}");
    assert!(v.notes[0].contains("ESS signing-certificate"), "{v:?}");
}

#[test]
fn a_certificate_substituted_under_the_same_issuer_and_serial_is_invalid() {
    // The CA issued two certificates with one serial and one key (a CA's error, or a forgery the
    // sid cannot tell apart): the letter was signed for ONO ERI; a verifier handed ONO EMI's must
    // not call it hers. Only the ESS hash tells them apart.
    let ca = Ca::new("Test HPKI Root");
    let pem = rsa_key_pem();
    let issue = |name: &str| {
        ca.signer_with(
            KeyPair::from_pem(&pem).unwrap(),
            name,
            "Medical Doctor",
            2009,
            recently(),
            700,
            true,
        )
    };
    let (signed_for, key) = issue("ONO ERI");
    let signed_for = signed_for.to_der().unwrap();
    // The CA's ECDSA signature varies in length: issue until the two encodings are as long.
    let other: X509 = (0..50)
        .map(|_| issue("ONO EMI").0)
        .find(|c| c.to_der().unwrap().len() == signed_for.len())
        .expect("a certificate as long as the first");
    let signature = sign_detached(LETTER, &signed_for, &key, SIGNED_AT, &[]).unwrap();
    let at = signature
        .windows(signed_for.len())
        .position(|w| w == signed_for)
        .unwrap();
    let mut substituted = signature.clone();
    substituted[at..at + signed_for.len()].copy_from_slice(&other.to_der().unwrap());
    assert_eq!(
        verify_detached(&signature, LETTER, &trust(&ca), now()).outcome,
        Outcome::Valid
    );
    let v = verify_detached(&substituted, LETTER, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
    assert!(
        v.reason.as_deref().unwrap().contains("another certificate"),
        "{v:?}"
    );
}

/// A certificate that is the same on every run (RSA PKCS#1 v1.5 signs deterministically), for
/// `key`: so the whole signature can be pinned.
fn fixed_certificate(key: &openssl::pkey::PKey<openssl::pkey::Private>) -> X509 {
    use openssl::asn1::{Asn1Integer, Asn1Time};
    use openssl::bn::BigNum;
    use openssl::x509::X509NameBuilder;
    use openssl::x509::extension::KeyUsage;
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "DRILL SIGNER (not real)")
        .unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&Asn1Integer::from_bn(&BigNum::from_u32(16).unwrap()).unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_not_before(&Asn1Time::from_unix(SIGNED_AT - 86_400).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::from_unix(SIGNED_AT + 86_400 * 365).unwrap())
        .unwrap();
    b.set_pubkey(key).unwrap();
    b.append_extension(
        KeyUsage::new()
            .non_repudiation()
            .digital_signature()
            .build()
            .unwrap(),
    )
    .unwrap();
    b.sign(key, openssl::hash::MessageDigest::sha256()).unwrap();
    b.build()
}

#[test]
fn the_encoding_is_pinned_so_drill_regions_stay_byte_for_byte() {
    // A test key checked in for this test only (tests/fixtures), never a drill's or a real one.
    let key =
        openssl::pkey::PKey::private_key_from_pem(include_bytes!("fixtures/pinned-test-key.pem"))
            .unwrap();
    let cert = fixed_certificate(&key);
    let signature = sign_detached(LETTER, &cert.to_der().unwrap(), &key, SIGNED_AT, &[]).unwrap();
    let digest = openssl::hash::hash(openssl::hash::MessageDigest::sha256(), &signature).unwrap();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    // A change here changes every signed letter of every generated region: make it on purpose.
    assert_eq!(
        hex,
        "2d1ff316b09d620851f81a3ca427833dbb1ad6946a91fb1f909628baf890aef5"
    );
}
