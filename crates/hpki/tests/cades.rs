//! Detached CAdES signatures on a referral letter, checked against a test HPKI CA (tests/common): an
//! HPKI-shaped root, signing certificates carrying the CP's hcRole, signed with OpenSSL's CMS
//! signer (what a hospital's signing module produces), and a CRL.
//!
//! Cases (issue 16 §1): a valid physician's letter; a tampered letter; a signature over other
//! bytes; an expired certificate; a revoked one with a CRL; an unknown CA; a pharmacist-signed
//! letter; a certificate without nonRepudiation; a file that is no signature; revocation "not
//! checked" without a CRL.

mod common;

use common::{Ca, LETTER, assert_signed_by_ono, now, recently, sign, trust};
use fieldchart_hpki::{Outcome, Revocation, TimeBasis, verify_detached};
use time::{Duration, OffsetDateTime};

#[test]
fn a_physicians_letter_verifies_with_signer_role_facility_and_signing_time() {
    let ca = Ca::new("Test HPKI Root");
    let (cert, key) = ca.signer("ONO ERI", "Medical Doctor", 1001, recently(), 700, true);
    let v = verify_detached(&sign(LETTER, &cert, &key), LETTER, &trust(&ca), now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    assert_signed_by_ono(&v);
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
    t.add_crl_file(&ca.crl(&[1004], dir.path())).unwrap();
    let v = verify_detached(&sign(LETTER, &revoked, &key), LETTER, &t, now());
    assert_eq!(v.outcome, Outcome::Invalid);
    assert!(v.reason.as_deref().unwrap().contains("revoked"), "{v:?}");
    // The hub's list of revoked certificates names the revoked signer as the signer is written,
    // so a layer can find the letters it judged valid before this CRL.
    let listed = t.revoked_certificates();
    let signer = v.signer.as_ref().unwrap();
    assert!(
        listed.contains(&(signer.issuer.clone(), signer.serial.clone())),
        "{listed:?}"
    );
    let v = verify_detached(&sign(LETTER, &good, &good_key), LETTER, &t, now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    assert_eq!(v.revocation, Revocation::Checked);
    let signer = v.signer.as_ref().unwrap();
    assert!(!listed.contains(&(signer.issuer.clone(), signer.serial.clone())));
    assert_eq!(listed.len(), 1);
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

#[test]
fn a_letter_signed_before_the_crl_was_issued_is_checked_against_it() {
    // The hub's CRL is today's; the letter was signed two weeks ago. The CRL is not "not yet
    // valid" for it: revocation is a fact about the certificate the hub learns now.
    let dir = tempfile::tempdir().unwrap();
    let ca = Ca::new("Test HPKI Root");
    let (good, key) = ca.rsa_signer("SOMA SHUNSUKE", "Medical Doctor", 1011, recently(), 700);
    let (revoked, revoked_key) = ca.rsa_signer("ONO ERI", "Medical Doctor", 1012, recently(), 700);
    let mut t = trust(&ca);
    t.add_crl_file(&ca.crl(&[1012], dir.path())).unwrap();
    let signed_at = now() - 14 * 86_400;
    let sig = fieldchart_hpki::sign_detached(LETTER, &good.to_der().unwrap(), &key, signed_at, &[])
        .unwrap();
    let v = verify_detached(&sig, LETTER, &t, now());
    assert_eq!(v.outcome, Outcome::Valid, "{v:?}");
    assert_eq!(v.revocation, Revocation::Checked);
    assert_eq!(v.time_basis, TimeBasis::SigningTime);
    // Revoked an hour ago, the letter signed (by the signer's own claim) two weeks ago: the claim
    // could be backdated by whoever holds a compromised key, so it is invalid.
    let sig = fieldchart_hpki::sign_detached(
        LETTER,
        &revoked.to_der().unwrap(),
        &revoked_key,
        signed_at,
        &[],
    )
    .unwrap();
    let v = verify_detached(&sig, LETTER, &t, now());
    assert_eq!(v.outcome, Outcome::Invalid, "{v:?}");
    assert!(v.reason.as_deref().unwrap().contains("revoked"), "{v:?}");
}
