//! The hub's trust files: certificates as PEM or DER, a folder of them, CRLs as PEM, and a clear
//! error for anything else.

use fieldchart_hpki::load_trust;
use openssl::asn1::Asn1Time;
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::pkey::PKey;
use openssl::rsa::Rsa;
use openssl::x509::{X509, X509NameBuilder};

fn root(cn: &str, days: u32) -> X509 {
    let key = PKey::from_rsa(Rsa::generate(2048).unwrap()).unwrap();
    let mut name = X509NameBuilder::new().unwrap();
    name.append_entry_by_text("CN", cn).unwrap();
    let name = name.build();
    let mut b = X509::builder().unwrap();
    b.set_version(2).unwrap();
    b.set_serial_number(&BigNum::from_u32(1).unwrap().to_asn1_integer().unwrap())
        .unwrap();
    b.set_subject_name(&name).unwrap();
    b.set_issuer_name(&name).unwrap();
    b.set_pubkey(&key).unwrap();
    b.set_not_before(&Asn1Time::days_from_now(0).unwrap())
        .unwrap();
    b.set_not_after(&Asn1Time::days_from_now(days).unwrap())
        .unwrap();
    b.sign(&key, MessageDigest::sha256()).unwrap();
    b.build()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn anchors_read_from_pem_der_and_folders_and_say_when_they_expire() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("intermediates");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(
        dir.path().join("root.pem"),
        root("Test Root", 3650).to_pem().unwrap(),
    )
    .unwrap();
    std::fs::write(folder.join("a.cer"), root("Sub A", 1).to_der().unwrap()).unwrap();
    std::fs::write(folder.join("b.pem"), root("Sub B", 30).to_pem().unwrap()).unwrap();
    let (trust, files) = load_trust(
        &[dir.path().join("root.pem")],
        std::slice::from_ref(&folder),
        &[],
        now() + 2 * 86_400,
    )
    .unwrap();
    assert_eq!(trust.anchors.len(), 1);
    assert_eq!(trust.intermediates.len(), 2);
    assert_eq!(files.anchors[0].subject, "CN=Test Root");
    assert!(!files.anchors[0].expired);
    let subjects: Vec<(&str, bool)> = files
        .intermediates
        .iter()
        .map(|c| (c.subject.as_str(), c.expired))
        .collect();
    assert_eq!(subjects, [("CN=Sub A", true), ("CN=Sub B", false)]);
}

#[test]
fn a_file_that_is_no_certificate_or_crl_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let junk = dir.path().join("notes.txt");
    std::fs::write(&junk, "not a certificate").unwrap();
    let e = load_trust(std::slice::from_ref(&junk), &[], &[], now()).unwrap_err();
    assert!(
        e.to_string().contains("notes.txt is not a certificate"),
        "{e}"
    );
    let e = load_trust(&[], &[], std::slice::from_ref(&junk), now()).unwrap_err();
    assert!(e.to_string().contains("is not a PEM CRL"), "{e}");
    let missing = dir.path().join("gone.pem");
    let e = load_trust(&[missing], &[], &[], now()).unwrap_err();
    assert!(e.to_string().contains("cannot read"), "{e}");
}
