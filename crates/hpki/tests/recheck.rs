//! The laptop's re-check: a signature over the letter's bytes, by the certificate the hub judged,
//! without anchors, time or CRLs.

use fieldchart_hpki::{recheck_detached, signer_of};
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkcs7::{Pkcs7, Pkcs7Flags};
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::stack::Stack;
use openssl::x509::{X509, X509NameBuilder};

const LETTER: &[u8] = "診療情報提供書\n紹介目的: 透析の継続\n".as_bytes();

fn signed(content: &[u8]) -> (Vec<u8>, X509) {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", "Test Doctor").unwrap();
    let name = name.build();
    let mut cert = X509::builder().unwrap();
    cert.set_version(2).unwrap();
    cert.set_serial_number(&BigNum::from_u32(0x1234).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    cert.set_subject_name(&name).unwrap();
    cert.set_issuer_name(&name).unwrap();
    cert.set_pubkey(&key).unwrap();
    cert.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    cert.set_not_after(&Asn1Time::days_from_now(30).unwrap())
        .unwrap();
    cert.sign(&key, MessageDigest::sha256()).unwrap();
    let cert = cert.build();
    let p7 = Pkcs7::sign(
        &cert,
        &key,
        &Stack::new().unwrap(),
        content,
        Pkcs7Flags::DETACHED | Pkcs7Flags::BINARY,
    )
    .unwrap();
    (p7.to_der().unwrap(), cert)
}

#[test]
fn a_signature_over_the_shown_bytes_names_the_certificate_it_was_made_with() {
    let (sig, cert) = signed(LETTER);
    let got = recheck_detached(&sig, LETTER).unwrap();
    let signer = signer_of(&cert.to_der().unwrap()).unwrap();
    assert_eq!(got.serial, signer.serial);
    assert_eq!(got.issuer, signer.issuer);
}

#[test]
fn other_bytes_or_no_signature_fail_with_a_reason() {
    let (sig, _) = signed(LETTER);
    let mut altered = LETTER.to_vec();
    altered[3] ^= 1;
    let e = recheck_detached(&sig, &altered).unwrap_err();
    assert!(e.contains("does not match"), "{e}");
    let e = recheck_detached(b"not a signature", LETTER).unwrap_err();
    assert!(e.contains("not a CMS signature"), "{e}");
}
